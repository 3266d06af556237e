"""Task input schemas: the .pbtxt files beside this module (tensorflow-metadata Schema text protos) and checks against them."""
from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import Any


def schema_path(task: str) -> str:
    """Path of a task's schema text proto inside the installed package."""
    return os.path.join(os.path.dirname(__file__), f"{task.replace('-', '_')}.pbtxt")


@lru_cache(maxsize=None)
def load_schema(task: str) -> Any:
    """Parse a task's Schema text proto."""
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    with open(schema_path(task), encoding="utf-8") as handle:
        return text_format.Parse(handle.read(), schema_pb2.Schema())


def check_float(schema: Any, feature: str, value: float) -> None:
    """Raise ValueError when value breaks the feature's float_domain."""
    spec = next(f for f in schema.feature if f.name == feature)
    if not spec.HasField("float_domain"):
        return
    domain = spec.float_domain
    if domain.disallow_nan and math.isnan(value):
        raise ValueError("NaN value")
    if domain.disallow_inf and math.isinf(value):
        raise ValueError(f"infinite value {value}")
    if domain.HasField("min") and value < domain.min:
        raise ValueError(f"value {value} below the schema minimum {domain.min}")
    if domain.HasField("max") and value > domain.max:
        raise ValueError(f"value {value} above the schema maximum {domain.max}")
