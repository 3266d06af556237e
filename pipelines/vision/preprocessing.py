"""tf.Transform preprocessing: pixel scaling and the class-name vocabulary."""
from __future__ import annotations

from typing import Any, Callable

from tfpipe.pipelines.vision.features import (IMAGE_KEY, IMAGE_XF, LABEL_KEY, LABEL_VOCAB,
                                              LABEL_XF)


def make_preprocessing_fn(image_size: tuple[int, int], channels: int,
                          pixel_scaling: str = "unit") -> Callable[[dict], dict]:
    """A preprocessing_fn: flat int pixels -> float (H, W, C); class name -> vocab index."""
    height, width = image_size
    if pixel_scaling not in ("unit", "zscore"):
        raise ValueError(f"pixel_scaling={pixel_scaling!r}: use unit or zscore")

    def preprocessing_fn(inputs: dict[str, Any]) -> dict[str, Any]:
        """Scale pixels (x/255, or full-pass z-score) and index labels by a vocabulary."""
        import tensorflow as tf
        import tensorflow_transform as tft

        pixels = tf.cast(inputs[IMAGE_KEY], tf.float32)
        if pixel_scaling == "zscore":
            scaled = tft.scale_to_z_score(pixels, elementwise=False)
        else:
            scaled = pixels / 255.0
        outputs = {IMAGE_XF: tf.reshape(scaled, [-1, height, width, channels])}
        if LABEL_KEY in inputs:
            outputs[LABEL_XF] = tft.compute_and_apply_vocabulary(
                inputs[LABEL_KEY], vocab_filename=LABEL_VOCAB)
        return outputs

    return preprocessing_fn
