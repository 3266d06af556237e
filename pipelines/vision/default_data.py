"""Embedded default data: scikit-learn's bundled 8x8 handwritten digits (1,797 images)."""
from __future__ import annotations

import numpy as np

from tfpipe.pipelines.vision.config import VisionConfig
from tfpipe.pipelines.vision.sources import DIGITS, ArrayRef, Manifest, arrays_manifest

ORIGIN = "sklearn.datasets.load_digits"


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The digits as uint8 (1797, 8, 8) scaled from 0..16 to 0..255, and int labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    return images, digits.target.astype(np.int64)


def default_manifest(config: VisionConfig) -> Manifest:
    """The default data as a Manifest (read from the installed scikit-learn, offline)."""
    x, y = digits_arrays()
    return arrays_manifest(x, y, config, origin=ORIGIN, array_ref=ArrayRef(DIGITS))
