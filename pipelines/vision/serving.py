"""Serving pieces: encoded image bytes decoded in the graph, outputs with class names."""
from __future__ import annotations

from typing import Any

import numpy as np

from tfpipe.pipelines.vision.features import CLASS_NAMES, IMAGE_KEY

IMAGE_BYTES = "image_bytes"        # serving_default's input: PNG/JPEG bytes, shape [batch]
OUTPUT_PROBABILITIES = "probabilities"
OUTPUT_CLASS_NAME = "class_name"
OUTPUT_CLASS_INDEX = "class_index"
OUTPUT_SCORE = "score"


def serving_input_spec() -> dict[str, Any]:
    """serving_default takes a batch of encoded images, as TF Serving's {"b64": ...}."""
    import tensorflow as tf

    return {IMAGE_BYTES: tf.TensorSpec([None], tf.string, name=IMAGE_BYTES)}


def decode_image_batch(image_bytes: Any, image_size: tuple[int, int], channels: int) -> Any:
    """A batch of encoded images (tf.string) to uint8 (batch, H, W, C), in the graph."""
    import tensorflow as tf

    height, width = image_size

    def decode_one(data: Any) -> Any:
        image = tf.io.decode_image(data, channels=channels, expand_animations=False)
        image.set_shape([None, None, channels])
        same = tf.logical_and(tf.equal(tf.shape(image)[0], height),
                              tf.equal(tf.shape(image)[1], width))
        return tf.cond(
            same, lambda: tf.ensure_shape(image, [height, width, channels]),
            lambda: tf.cast(tf.clip_by_value(tf.round(tf.image.resize(
                image, [height, width], antialias=True)), 0.0, 255.0), tf.uint8))

    return tf.map_fn(decode_one, image_bytes,
                     fn_output_signature=tf.TensorSpec([height, width, channels], tf.uint8))


def image_bytes_to_features(image_bytes: Any, image_size: tuple[int, int],
                            channels: int) -> dict[str, Any]:
    """Encoded images to the raw `image` feature tf.Transform expects (flat int64)."""
    import tensorflow as tf

    height, width = image_size
    pixels = decode_image_batch(image_bytes, image_size, channels)
    return {IMAGE_KEY: tf.reshape(tf.cast(pixels, tf.int64), [-1, height * width * channels])}


def class_outputs(predictions: Any, class_names: Any) -> dict[str, Any]:
    """Model outputs to probabilities per class, the best class index, name and score."""
    import tensorflow as tf

    from tfpipe.pipelines.vision.model import class_probabilities

    probabilities = class_probabilities(predictions)
    index = tf.argmax(probabilities, axis=-1)
    return {OUTPUT_PROBABILITIES: probabilities, OUTPUT_CLASS_INDEX: index,
            OUTPUT_CLASS_NAME: tf.gather(class_names, index),
            OUTPUT_SCORE: tf.reduce_max(probabilities, axis=-1)}


def serving_outputs(predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
    """The serving outputs, naming classes with the CLASS_NAMES serving constant."""
    return class_outputs(predictions, transformed[CLASS_NAMES])


def decode_names(values: Any) -> np.ndarray:
    """bytes or str class names to a numpy str array (saved by np.savez without pickle)."""
    return np.asarray([v.decode("utf-8") if isinstance(v, bytes) else str(v)
                       for v in np.ravel(values)], dtype=str)


def encode_png_batch(images: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """Flat uint8-valued images with their (H, W, C) shapes to an array of PNG bytes."""
    from tfpipe.pipelines.vision.images import encode_png

    return np.asarray([encode_png(np.asarray(image, np.uint8).reshape(tuple(shape)))
                       for image, shape in zip(images, shapes)], dtype=object)
