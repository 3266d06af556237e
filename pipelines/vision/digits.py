"""Embedded default data: scikit-learn's bundled 8x8 handwritten digits (1,797 images)."""
from __future__ import annotations

import os

import numpy as np

FILE_NAME = "sklearn_digits.npz"


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The digits as uint8 (1797, 8, 8) scaled from 0..16 to 0..255, and int labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    return images, digits.target.astype(np.int64)


def write_default_data(directory: str) -> str:
    """Write the digits as a .npz (x, y) once, atomically; return its path (offline)."""
    path = os.path.join(directory, FILE_NAME)
    if not os.path.exists(path):
        os.makedirs(directory, exist_ok=True)
        x, y = digits_arrays()
        staging = f"{path}.{os.getpid()}.tmp.npz"
        np.savez(staging, x=x, y=y)
        os.replace(staging, path)
    return path
