"""Feature names and the tf.Example layout of ingested images."""
from __future__ import annotations

from typing import Any

import numpy as np

IMAGE_KEY = "image"        # int64 pixels 0..255, flattened (H * W * C), row-major
LABEL_KEY = "label"        # class name, bytes
IMAGE_XF = "image_xf"      # float32 (H, W, C), scaled
LABEL_XF = "label_xf"      # int64 index into the label vocabulary
LABEL_VOCAB = "label"      # vocabulary file name of the class names


def raw_feature_spec(image_size: tuple[int, int], channels: int,
                     with_label: bool = True) -> dict[str, Any]:
    """tf.io parsing spec of an ingested example."""
    import tensorflow as tf

    height, width = image_size
    spec = {IMAGE_KEY: tf.io.FixedLenFeature([height * width * channels], tf.int64)}
    if with_label:
        spec[LABEL_KEY] = tf.io.FixedLenFeature([], tf.string)
    return spec


def serialize_example(pixels: np.ndarray, label: str) -> bytes:
    """One uint8 image and its class name as a serialized tf.Example."""
    from tensorflow.core.example import example_pb2, feature_pb2

    feature = {
        IMAGE_KEY: feature_pb2.Feature(int64_list=feature_pb2.Int64List(
            value=pixels.reshape(-1).tolist())),
        LABEL_KEY: feature_pb2.Feature(bytes_list=feature_pb2.BytesList(
            value=[label.encode("utf-8")])),
    }
    return example_pb2.Example(
        features=feature_pb2.Features(feature=feature)).SerializeToString()


def parse_example(serialized: bytes, image_size: tuple[int, int],
                  channels: int) -> tuple[np.ndarray, str]:
    """A serialized tf.Example back to a uint8 (H, W, C) image and its class name."""
    from tensorflow.core.example import example_pb2

    example = example_pb2.Example.FromString(serialized)
    values = example.features.feature[IMAGE_KEY].int64_list.value
    pixels = np.asarray(values, dtype=np.uint8).reshape(*image_size, channels)
    label = example.features.feature[LABEL_KEY].bytes_list.value[0].decode("utf-8")
    return pixels, label
