"""Recognise the input layout and list every image with its label, in file order."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from tfpipe.errors import InputError
from tfpipe.pipelines.vision.config import VisionSettings, default_folder_shape
from tfpipe.pipelines.vision.idx import find_idx_pairs, idx_length, load_idx_pair

FOLDER, IDX, NPZ, ARRAYS = "folder", "idx", "npz", "arrays"


@dataclass(frozen=True)
class ArrayRef:
    """How a Beam worker re-loads array images: by reading files, not via the pipeline graph."""

    kind: str                               # idx or npz
    paths: tuple[str, ...] = ()             # idx: images files in order; npz: the file

    def load(self) -> np.ndarray:
        """The images (N, H, W[, C]) this reference names."""
        if self.kind == IDX:
            from tfpipe.pipelines.vision.idx import read_idx

            return np.concatenate([read_idx(path) for path in self.paths])
        if self.kind == NPZ:
            with np.load(self.paths[0], allow_pickle=False) as data:
                return data["x"]
        raise ValueError(f"unknown array source kind {self.kind!r}")


@dataclass
class Manifest:
    """Every input image in file order: file paths (folders) or decoded arrays (idx, npz)."""

    kind: str
    labels: list[str]                     # class name per image, in file order
    class_names: tuple[str, ...]          # every class, in a stable order
    image_size: tuple[int, int]
    channels: int
    paths: list[str] = field(default_factory=list)   # folder: one file per image
    arrays: np.ndarray | None = None                 # idx/npz/arrays: (N, H, W[, C])
    array_ref: ArrayRef | None = None                # how workers re-load `arrays`
    origin: str = ""                                 # what was read, for messages

    def __len__(self) -> int:
        return len(self.labels)


def detect_kind(path: str, config: VisionSettings) -> str:
    """folder, idx or npz, from the path and its contents; a clear error otherwise."""
    if config.images or config.labels:
        return IDX
    if not os.path.exists(path):
        raise InputError(f"--data {path}: no such file or folder")
    if os.path.isfile(path):
        if path.endswith(".npz"):
            return NPZ
        raise InputError(f"--data {path}: a file must be a .npz with x and y; for images "
                         "give a folder with one sub-folder per class or MNIST idx files")
    names = os.listdir(path)
    if any("idx3-ubyte" in n for n in names):
        return IDX
    npz = [n for n in names if n.endswith(".npz")]
    if any(os.path.isdir(os.path.join(path, n)) and not n.startswith(".") for n in names):
        return FOLDER
    if len(npz) == 1:
        return NPZ
    raise InputError(f"--data {path}: expected sub-folders per class, MNIST idx files "
                     "(*images-idx3-ubyte[.gz] with *labels-idx1-ubyte[.gz]) or one .npz")


def build_manifest(path: str, config: VisionSettings) -> Manifest:
    """List the input at `path` as a Manifest, whatever its layout."""
    kind = detect_kind(path, config)
    if kind == FOLDER:
        return folder_manifest(path, config)
    if kind == IDX:
        return idx_manifest(path, config)
    return npz_manifest(_npz_file(path), config)


def count_images(path: str, config: VisionSettings) -> int:
    """How many images `path` holds, from file listings and headers; no image is read."""
    kind = detect_kind(path, config)
    if kind == FOLDER:
        return len(_class_folder_images(path, config)[0])
    if kind == IDX:
        return sum(idx_length(labels) for _, labels in _idx_pairs(path, config))
    npz = _npz_file(path)
    try:
        with np.load(npz, allow_pickle=False) as data:
            return len(data["y"]) if "y" in data.files else 0  # only y is read
    except (OSError, ValueError) as error:
        raise InputError(f"{npz}: cannot read .npz: {error}") from error


def _npz_file(path: str) -> str:
    """The .npz itself, or the first one in a folder."""
    if os.path.isdir(path):
        return os.path.join(path, next(n for n in sorted(os.listdir(path))
                                       if n.endswith(".npz")))
    return path


def _class_folder_images(root: str, config: VisionSettings
                         ) -> tuple[list[str], list[str], tuple[str, ...]]:
    """Image paths, their class names, and the classes, of one sub-folder per class."""
    found = sorted(n for n in os.listdir(root)
                   if os.path.isdir(os.path.join(root, n)) and not n.startswith("."))
    classes = config.class_names or tuple(found)
    missing = [c for c in classes if c not in found]
    if missing:
        raise InputError(f"{root}: class folders {missing} named in class_names do not exist "
                         f"(found {found})")
    paths: list[str] = []
    labels: list[str] = []
    for name in classes:
        folder = os.path.join(root, name)
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                if not filename.startswith("."):
                    paths.append(os.path.join(dirpath, filename))
                    labels.append(name)
    return paths, labels, tuple(classes)


def folder_manifest(root: str, config: VisionSettings) -> Manifest:
    """One sub-folder per class; every non-hidden file in it is an image candidate."""
    paths, labels, classes = _class_folder_images(root, config)
    size, channels = default_folder_shape(config)
    return _checked(Manifest(kind=FOLDER, labels=labels, class_names=tuple(classes),
                             image_size=size, channels=channels, paths=paths, origin=root))


def idx_manifest(folder: str, config: VisionSettings) -> Manifest:
    """MNIST-style idx pairs found by name in `folder`, or the explicit images/labels."""
    pairs = _idx_pairs(folder, config)
    loaded = [load_idx_pair(images, labels) for images, labels in pairs]
    shapes = {x.shape[1:] for x, _ in loaded}
    if len(shapes) > 1:
        raise InputError(f"{folder}: idx pairs hold images of different shapes {shapes}")
    x = np.concatenate([x for x, _ in loaded])
    y = np.concatenate([y for _, y in loaded])
    origin = ",".join(os.path.basename(images) for images, _ in pairs)
    return arrays_manifest(x, y, config, kind=IDX, origin=origin,
                           array_ref=ArrayRef(IDX, tuple(images for images, _ in pairs)))


def _idx_pairs(folder: str, config: VisionSettings) -> list[tuple[str, str]]:
    """(images, labels) idx paths: the configured pair, or every pair found by name."""
    if config.images or config.labels:
        if not (config.images and config.labels):
            raise InputError("give both images and labels idx paths, or neither")
        return [(_beside(folder, config.images), _beside(folder, config.labels))]
    return find_idx_pairs(folder)


def npz_manifest(path: str, config: VisionSettings) -> Manifest:
    """A NumPy .npz holding `x` (N, H, W[, C]) and `y` (N,)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            if not {"x", "y"} <= keys:
                raise InputError(f"{path}: a .npz needs arrays x and y, found {sorted(keys)}")
            x, y = data["x"], data["y"]
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read .npz: {error}") from error
    return arrays_manifest(x, y, config, kind=NPZ, origin=os.path.basename(path),
                           array_ref=ArrayRef(NPZ, (path,)))


def arrays_manifest(x: np.ndarray, y: np.ndarray, config: VisionSettings, kind: str = ARRAYS,
                    origin: str = "arrays", array_ref: ArrayRef | None = None) -> Manifest:
    """In-memory images and integer or string labels as a Manifest."""
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[-1] not in (3, 4)):
        raise InputError(f"{origin}: images must be (N, H, W) or (N, H, W, 1|3|4), got "
                         f"{x.shape}")
    y = np.asarray(y).reshape(-1)
    if len(x) != len(y):
        raise InputError(f"{origin}: {len(x)} images but {len(y)} labels")
    labels = label_names(y, config.class_names, origin)
    names = config.class_names or tuple(sorted(set(labels), key=_natural))
    size = config.image_size or (int(x.shape[1]), int(x.shape[2]))
    channels = config.channels or (1 if x.ndim == 3 else 3)
    return _checked(Manifest(kind=kind, labels=labels, class_names=tuple(names),
                             image_size=size, channels=channels, arrays=x, origin=origin,
                             array_ref=array_ref))


def label_names(y: np.ndarray, class_names: tuple[str, ...], origin: str) -> list[str]:
    """Integer labels to names (class_names[i] or str(i)); string labels kept as they are."""
    if y.dtype.kind in "iu" or (y.dtype.kind == "f" and np.all(np.mod(y, 1) == 0)):
        ints = y.astype(np.int64)
        if class_names:
            bad = ints[(ints < 0) | (ints >= len(class_names))]
            if bad.size:
                raise InputError(f"{origin}: label {int(bad[0])} has no entry in class_names "
                                 f"({len(class_names)} names)")
            return [class_names[i] for i in ints]
        return [str(i) for i in ints]
    if y.dtype.kind in "US":
        labels = [v.decode() if isinstance(v, bytes) else str(v) for v in y]
        unknown = sorted(set(labels) - set(class_names)) if class_names else []
        if unknown:
            raise InputError(f"{origin}: labels {unknown[:5]} are not in class_names")
        return labels
    raise InputError(f"{origin}: labels of dtype {y.dtype} are neither integers nor strings")


def _checked(manifest: Manifest) -> Manifest:
    """Fail early on inputs no split could train on."""
    if not manifest.labels:
        raise InputError(f"{manifest.origin}: no images found")
    present = set(manifest.labels)
    if len(present) < 2:
        raise InputError(f"{manifest.origin}: found only class {sorted(present)}; "
                         "a classifier needs at least two")
    return manifest


def _beside(folder: str, path: str) -> str:
    """A path as given, or relative to the data folder."""
    return path if os.path.isabs(path) or os.path.exists(path) else os.path.join(folder, path)


def _natural(name: str) -> tuple[int, int | str]:
    """Sort key putting numeric names in numeric order before other names."""
    return (0, int(name)) if name.lstrip("-").isdigit() else (1, name)
