"""Feature names and the raw tf.Example layout of ingested images."""
from __future__ import annotations

from typing import Any

IMAGE_KEY = "image"              # int64 pixels 0..255, flattened (H * W * C), row-major
IMAGE_SHAPE_KEY = "image_shape"  # int64 [H, W, C]: makes each example self-describing
LABEL_KEY = "label"              # class name, bytes
IMAGE_XF = "image_xf"            # float32 (H, W, C), scaled
LABEL_XF = "label_xf"            # int64 index into the label vocabulary
LABEL_VOCAB = "label"            # vocabulary file name of the class names
CLASS_NAMES = "class_names"      # serving constant: the vocabulary, in model-index order


def raw_feature_spec(image_size: tuple[int, int], channels: int,
                     with_label: bool = True) -> dict[str, Any]:
    """tf.io parsing spec of an ingested example, from schemas/vision.pbtxt and the shape."""
    import tensorflow as tf

    from tfpipe.schemas import load_schema

    height, width = image_size
    dtypes = {0: None, 1: tf.string, 2: tf.int64, 3: tf.float32}  # schema_pb2.FeatureType
    spec = {}
    for feature in load_schema("vision").feature:
        if feature.name == LABEL_KEY and not with_label:
            continue
        shape = ([height * width * channels] if feature.name == IMAGE_KEY
                 else [d.size for d in feature.shape.dim])
        spec[feature.name] = tf.io.FixedLenFeature(shape, dtypes[feature.type])
    return spec


def example_signature_spec(image_size: tuple[int, int], channels: int) -> dict[str, Any]:
    """What the tf.Example serving signature parses: the pixels only."""
    spec = raw_feature_spec(image_size, channels, with_label=False)
    return {IMAGE_KEY: spec[IMAGE_KEY]}
