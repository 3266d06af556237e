"""MNIST-style idx files: find image/label pairs in a folder and read them into arrays."""
from __future__ import annotations

import gzip
import os
import re

import numpy as np
from numpy.typing import DTypeLike

from tfpipe.errors import InputError

_IMAGES = re.compile(r"^(?P<prefix>.*)images[-.]idx3-ubyte(?:\.gz)?$")
_LABELS = re.compile(r"^(?P<prefix>.*)labels[-.]idx1-ubyte(?:\.gz)?$")
_DTYPES: dict[int, DTypeLike] = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4",
                                 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """Read one idx file (optionally gzipped): big-endian header, then the values."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        raise InputError(f"{path}: cannot read idx file: {error}") from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise InputError(f"{path}: not an idx file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise InputError(f"{path}: idx header truncated")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise InputError(f"{path}: idx header promises shape {shape} ({expected} bytes) but "
                         f"the file holds {len(data) - header} bytes")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def idx_length(path: str) -> int:
    """The first dimension of an idx file (its number of images or labels), from the header."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            header = handle.read(8)
    except (OSError, EOFError) as error:
        raise InputError(f"{path}: cannot read idx file: {error}") from error
    if len(header) < 8 or header[0] != 0 or header[1] != 0 or header[3] < 1:
        raise InputError(f"{path}: not an idx file (bad magic number)")
    return int.from_bytes(header[4:8], "big")


def find_idx_pairs(folder: str) -> list[tuple[str, str]]:
    """(images, labels) paths matched by prefix; `train*` pairs first, then by name."""
    images: dict[str, str] = {}
    labels: dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        for pattern, found in ((_IMAGES, images), (_LABELS, labels)):
            match = pattern.match(name)
            if match:
                found.setdefault(match["prefix"], os.path.join(folder, name))
    unpaired = sorted(set(images) ^ set(labels))
    if unpaired:
        which = [images.get(p) or labels.get(p) for p in unpaired]
        raise InputError(f"{folder}: idx files without their images/labels partner: {which}")
    prefixes = sorted(images, key=lambda p: (not p.startswith("train"), p))
    return [(images[p], labels[p]) for p in prefixes]


def load_idx_pair(images_path: str, labels_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, H, W[, C]) and labels (N,) from one pair, checked for matching counts."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim not in (3, 4):
        raise InputError(f"{images_path}: expected 3 or 4 dimensions, got shape "
                         f"{images.shape}")
    if labels.ndim != 1:
        raise InputError(f"{labels_path}: expected one label per image, got shape "
                         f"{labels.shape}")
    if len(images) != len(labels):
        raise InputError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                         f"{len(labels)} labels")
    return images, labels
