"""The vision device model: pixels in (scaling folded in), class probabilities out."""
from __future__ import annotations

from typing import Any

import numpy as np

from tfpipe.device import DeviceSpec
from tfpipe.pipelines.vision.features import IMAGE_KEY
from tfpipe.pipelines.vision.serving import OUTPUT_PROBABILITIES

PIXELS = "pixels"
LABELS_FILE = "labels.txt"


def device_spec(image_size: tuple[int, int], channels: int,
                class_names: list[str]) -> DeviceSpec:
    """float32 pixels 0..255 [batch, H, W, C] -> probabilities in labels.txt order."""
    import tensorflow as tf

    from tfpipe.pipelines.vision.model import class_probabilities

    height, width = image_size
    names = np.asarray(class_names, dtype=str)

    def raw_features(inputs: dict[str, Any]) -> dict[str, Any]:
        pixels = tf.cast(tf.round(inputs[PIXELS]), tf.int64)
        return {IMAGE_KEY: tf.reshape(pixels, [-1, height * width * channels])}

    def eval_inputs(raw: dict[str, Any]) -> dict[str, Any]:
        images = np.asarray(raw[IMAGE_KEY], np.float32)
        return {PIXELS: images.reshape(-1, height, width, channels)}

    return DeviceSpec(
        inputs={PIXELS: tf.TensorSpec([None, height, width, channels], tf.float32, name=PIXELS)},
        raw_features=raw_features,
        outputs=lambda predictions, _: {OUTPUT_PROBABILITIES: class_probabilities(predictions)},
        eval_inputs=eval_inputs,
        eval_predictions=lambda outputs: names[np.argmax(outputs[OUTPUT_PROBABILITIES], -1)],
        description={
            "task": "vision",
            "inputs": {PIXELS: {
                "meaning": f"pixel values 0..255, {height}x{width}, "
                           f"{'greyscale' if channels == 1 else 'RGB'}, row-major; resize "
                           "and convert the camera image first; the model does the scaling"}},
            "outputs": {OUTPUT_PROBABILITIES: {
                "meaning": f"probability per class, in the order of the lines of "
                           f"{LABELS_FILE}; the predicted class is the largest"}}},
        files={LABELS_FILE: "".join(f"{name}\n" for name in class_names)})
