"""Tiny image data made here: PNG folders (with bad files), idx pairs and .npz files."""
from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

COLOURS = {"red": (220, 30, 30), "blue": (30, 30, 220)}


def write_image(path: str, array: np.ndarray, fmt: str = "PNG") -> str:
    """Write a uint8 (H, W) or (H, W, 3) array as an image file."""
    from PIL import Image

    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path, format=fmt)
    return path


def colour_image(rng: np.random.Generator, colour: tuple[int, int, int],
                 size: tuple[int, int]) -> np.ndarray:
    """A noisy image of one dominant colour."""
    base = np.broadcast_to(np.asarray(colour, np.float64), (*size, 3))
    return np.clip(base + rng.normal(0, 25, (*size, 3)), 0, 255).astype(np.uint8)


def make_colour_folder(root: str, per_class: int, seed: int = 0) -> str:
    """Two classes of colour PNG/JPEG images of assorted sizes, one sub-folder per class."""
    rng = np.random.default_rng(seed)
    for name, colour in COLOURS.items():
        for i in range(per_class):
            size = (int(rng.integers(10, 24)), int(rng.integers(10, 24)))
            fmt, ext = ("JPEG", "jpg") if i % 3 == 0 else ("PNG", "png")
            write_image(os.path.join(root, name, f"{name}_{i:03d}.{ext}"),
                        colour_image(rng, colour, size), fmt)
    return root


def add_bad_files(root: str) -> dict[str, str]:
    """A zero-byte file, a truncated PNG and a text file renamed .jpg; path -> class."""
    rng = np.random.default_rng(1)
    empty = os.path.join(root, "red", "zz_empty.png")
    open(empty, "wb").close()
    full = write_image(os.path.join(root, "blue", "zz_truncated.png"),
                       colour_image(rng, COLOURS["blue"], (16, 16)))
    with open(full, "rb") as handle:
        data = handle.read()
    with open(full, "wb") as handle:
        handle.write(data[: len(data) // 2])
    text = os.path.join(root, "red", "zz_notes.jpg")
    with open(text, "w", encoding="utf-8") as handle:
        handle.write("this is not an image\n")
    return {empty: "red", full: "blue", text: "red"}


def write_idx(path: str, array: np.ndarray) -> str:
    """Write a uint8 array as an idx file (gzipped when the name ends in .gz)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as handle:
        handle.write(header + np.ascontiguousarray(array, np.uint8).tobytes())
    return path


def digit_like(count: int, size: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Grey images whose class (0..3) is the quadrant holding a bright square."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 4
    images = rng.integers(0, 40, (count, size, size)).astype(np.uint8)
    half = size // 2
    for image, label in zip(images, labels):
        row, col = divmod(int(label), 2)
        image[row * half:(row + 1) * half, col * half:(col + 1) * half] = 230
    return images, labels.astype(np.uint8)


@pytest.fixture
def colour_folder(tmp_path) -> str:
    """Two colour classes, 6 images each, sizes 10..23 px, PNG and JPEG."""
    return make_colour_folder(str(tmp_path / "colours"), per_class=6)


@pytest.fixture
def idx_folder(tmp_path) -> str:
    """MNIST-style train-* idx pair (gzipped) of 40 quadrant images, 8x8, 4 classes."""
    folder = tmp_path / "idx"
    folder.mkdir()
    images, labels = digit_like(40)
    write_idx(str(folder / "train-images-idx3-ubyte.gz"), images)
    write_idx(str(folder / "train-labels-idx1-ubyte.gz"), labels)
    return str(folder)


@pytest.fixture
def npz_file(tmp_path) -> str:
    """A .npz of 24 quadrant images (x) and integer labels (y)."""
    images, labels = digit_like(24)
    path = str(tmp_path / "quadrants.npz")
    np.savez(path, x=images, y=labels)
    return path
