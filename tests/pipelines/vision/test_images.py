"""Single-image decoding: formats, grey/colour, resizing, and the quarantine reasons."""
from __future__ import annotations

import io

import numpy as np
import pytest

from tfpipe.pipelines.vision.images import (BadImage, array_to_hwc, decode_image_bytes,
                                            encode_png, to_uint8)


def encoded(array: np.ndarray, fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def test_png_round_trip_keeps_pixels():
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3
    decoded = decode_image_bytes(encode_png(grey[..., None]), (8, 8), 1)
    assert decoded.shape == (8, 8, 1) and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded[..., 0], grey)


def test_colour_jpeg_to_grey_and_resized():
    colour = np.zeros((20, 30, 3), np.uint8)
    colour[..., 1] = 200
    decoded = decode_image_bytes(encoded(colour, "JPEG"), (10, 12), 1)
    assert decoded.shape == (10, 12, 1)
    assert 100 < decoded.mean() < 140  # luminance of pure green ~ 0.587 * 200


def test_grey_to_colour_repeats_the_value():
    grey = np.full((5, 5), 77, np.uint8)
    decoded = decode_image_bytes(encoded(grey, "PNG"), (5, 5), 3)
    assert decoded.shape == (5, 5, 3)
    assert np.all(decoded == 77)


def test_bad_bytes_give_reasons():
    with pytest.raises(BadImage, match="empty file"):
        decode_image_bytes(b"", (4, 4), 1)
    with pytest.raises(BadImage, match="not an image"):
        decode_image_bytes(b"hello, I am text", (4, 4), 1)
    png = encoded(np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8),
                  "PNG")
    with pytest.raises(BadImage, match="truncated or corrupt"):
        decode_image_bytes(png[: len(png) // 2], (4, 4), 1)


def test_to_uint8_scales_unit_floats_and_clips():
    np.testing.assert_array_equal(to_uint8(np.array([0.0, 0.5, 1.0])), [0, 128, 255])
    np.testing.assert_array_equal(to_uint8(np.array([-3, 12, 300])), [0, 12, 255])
    with pytest.raises(ValueError, match="NaN"):
        to_uint8(np.array([np.nan, 2.0]))


def test_array_to_hwc_shapes():
    assert array_to_hwc(np.zeros((6, 6), np.uint8), (6, 6), 1).shape == (6, 6, 1)
    assert array_to_hwc(np.zeros((6, 6, 1), np.uint8), (3, 3), 3).shape == (3, 3, 3)
    assert array_to_hwc(np.zeros((6, 6, 4), np.uint8), (6, 6), 3).shape == (6, 6, 3)
    with pytest.raises(BadImage, match="shape"):
        array_to_hwc(np.zeros((6, 6, 2), np.uint8), (6, 6), 1)
