"""The vision input schema (tensorflow-metadata) for a given image size and channels."""
from __future__ import annotations

from typing import Any

from tfpipe.pipelines.vision.features import raw_feature_spec


def input_schema(image_size: tuple[int, int], channels: int) -> Any:
    """A tensorflow_metadata Schema proto of the ingested examples."""
    from tensorflow_transform.tf_metadata import schema_utils

    return schema_utils.schema_from_feature_spec(raw_feature_spec(image_size, channels))


def schema_text(image_size: tuple[int, int], channels: int) -> str:
    """The schema as a text proto (what schemas/vision.pbtxt holds for MNIST)."""
    from google.protobuf import text_format

    return text_format.MessageToString(input_schema(image_size, channels))
