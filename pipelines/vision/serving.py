"""Serving signatures: encoded image bytes or tf.Examples in, probabilities and names out."""
from __future__ import annotations

import os
from typing import Any, Sequence

from tfpipe.pipelines.vision.features import IMAGE_KEY, IMAGE_XF, raw_feature_spec
from tfpipe.pipelines.vision.transfer import KERAS_IN_SAVED_MODEL

IMAGE_BYTES = "image_bytes"        # serving_default's input: PNG/JPEG bytes, shape [batch]
EXAMPLES = "examples"              # the tf.Example signature's input
TF_EXAMPLE_SIGNATURE = "serving_tf_example"
OUTPUT_PROBABILITIES = "probabilities"
OUTPUT_CLASS_NAME = "class_name"
OUTPUT_CLASS_INDEX = "class_index"
OUTPUT_SCORE = "score"


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


def make_serving_module(model: Any, tft_layer: Any, class_names: Sequence[str],
                        image_size: tuple[int, int], channels: int) -> Any:
    """A tf.Module holding the model and tf.Transform layer, with both signatures."""
    import tensorflow as tf

    from tfpipe.pipelines.vision.model import class_probabilities

    height, width = image_size
    spec = raw_feature_spec(image_size, channels, with_label=False)
    module = tf.Module()
    module.model = model
    module.tft_layer = tft_layer
    names = tf.constant(list(class_names), dtype=tf.string)

    def predict(raw: dict[str, Any]) -> dict[str, Any]:
        transformed = module.tft_layer(raw)
        outputs = module.model({IMAGE_XF: transformed[IMAGE_XF]}, training=False)
        probabilities = class_probabilities(outputs)
        index = tf.argmax(probabilities, axis=-1)
        return {OUTPUT_PROBABILITIES: probabilities, OUTPUT_CLASS_INDEX: index,
                OUTPUT_CLASS_NAME: tf.gather(names, index),
                OUTPUT_SCORE: tf.reduce_max(probabilities, axis=-1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=IMAGE_BYTES)])
    def serve_image_bytes(image_bytes: Any) -> dict[str, Any]:
        pixels = decode_image_batch(image_bytes, image_size, channels)
        flat = tf.reshape(tf.cast(pixels, tf.int64), [-1, height * width * channels])
        return predict({IMAGE_KEY: flat})

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=EXAMPLES)])
    def serve_tf_example(examples: Any) -> dict[str, Any]:
        return predict(tf.io.parse_example(examples, spec))

    module.serve_image_bytes = serve_image_bytes
    module.serve_tf_example = serve_tf_example
    return module


def export_serving_model(model: Any, tft_layer: Any, class_names: Sequence[str],
                         image_size: tuple[int, int], channels: int, path: str) -> str:
    """Save a SavedModel with both signatures, plus the Keras model for transfer learning."""
    import tensorflow as tf

    module = make_serving_module(model, tft_layer, class_names, image_size, channels)
    tf.saved_model.save(module, path, signatures={
        "serving_default": module.serve_image_bytes,
        TF_EXAMPLE_SIGNATURE: module.serve_tf_example,
    })
    keras_path = os.path.join(path, KERAS_IN_SAVED_MODEL)
    os.makedirs(os.path.dirname(keras_path), exist_ok=True)
    model.save(keras_path)
    return path


def class_names_from_transform(tft_output: Any) -> list[str]:
    """Class names in model-index order, from the tf.Transform label vocabulary."""
    from tfpipe.pipelines.vision.features import LABEL_VOCAB

    return [v.decode("utf-8") if isinstance(v, bytes) else str(v)
            for v in tft_output.vocabulary_by_name(LABEL_VOCAB)]
