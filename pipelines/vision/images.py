"""Decode, check and resize single images to the task's (height, width, channels)."""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image


class BadImage(Exception):
    """An image that cannot be used; the message is the quarantine reason."""


def decode_image_bytes(data: bytes, size: tuple[int, int], channels: int) -> np.ndarray:
    """PNG/JPEG/any Pillow-readable bytes to a uint8 array of shape (H, W, channels)."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise BadImage("empty file (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            array = pil_to_array(image, size, channels)
    except UnidentifiedImageError:
        raise BadImage("not an image: Pillow cannot identify the format") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise BadImage(f"truncated or corrupt image: {error}") from None
    return array


def pil_to_array(image: "Image.Image", size: tuple[int, int], channels: int) -> np.ndarray:
    """A loaded Pillow image to uint8 (H, W, channels), converting mode and size."""
    from PIL import Image

    if image.width < 1 or image.height < 1:
        raise BadImage(f"image has no pixels ({image.width}x{image.height})")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grey to 8 bits the way tf.io.decode_png(dtype=uint8) does it at serving time
        wide = np.asarray(image, dtype=np.int64)
        image = Image.fromarray(np.clip(wide >> 8, 0, 255).astype(np.uint8))
    image = image.convert("L" if channels == 1 else "RGB")
    height, width = size
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.uint8)
    return array.reshape(height, width, channels)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Pixel arrays of any numeric dtype to uint8: floats in [0, 1] are scaled by 255."""
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind not in "uif":
        raise ValueError(f"pixel dtype {images.dtype} is not numeric")
    values = images.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("pixel values contain NaN or infinity")
    if images.dtype.kind == "f" and values.size and values.max() <= 1.0:
        values = values * 255.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def array_to_hwc(image: np.ndarray, size: tuple[int, int], channels: int) -> np.ndarray:
    """One uint8 image (H, W) or (H, W, C) to (size, channels), resizing when needed."""
    from PIL import Image

    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] not in (3, 4)):
        raise BadImage(f"array of shape {image.shape} is not an image")
    if image.shape[:2] == tuple(size) and (
            (channels == 1 and image.ndim == 2) or (channels == 3 and image.ndim == 3
                                                    and image.shape[-1] == 3)):
        return image.reshape(size[0], size[1], channels)
    return pil_to_array(Image.fromarray(image), size, channels)


def encode_png(image: np.ndarray) -> bytes:
    """A uint8 (H, W, C) array to PNG bytes (for serving requests and tests)."""
    from PIL import Image

    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    buffer = io.BytesIO()
    Image.fromarray(image.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()
