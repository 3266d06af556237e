"""TF Serving's REST JSON for tensors: nested lists, and `{"b64": ...}` for binary strings."""
from __future__ import annotations

import base64
import json
import os
from typing import Any

import numpy as np

from tfpipe.errors import InputError


def _is_binary(name: str, value: bytes) -> bool:
    """TF Serving's rule: `*_bytes` tensors, and any string that is not UTF-8, go as b64."""
    if name.endswith("_bytes"):
        return True
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def encode_value(name: str, value: Any) -> Any:
    """A numpy array (or scalar) as JSON-able nested lists."""
    array = np.asarray(value)
    if array.dtype.kind in "OSU":
        def one(item: Any) -> Any:
            raw = item if isinstance(item, bytes) else str(item).encode("utf-8")
            if _is_binary(name, raw):
                return {"b64": base64.b64encode(raw).decode("ascii")}
            return raw.decode("utf-8")

        return np.vectorize(one, otypes=[object])(array).tolist() if array.size else array.tolist()
    return array.tolist()


def encode_tensors(tensors: dict[str, Any]) -> dict[str, Any]:
    """Every named tensor encoded for JSON."""
    return {name: encode_value(name, value) for name, value in tensors.items()}


def decode_value(value: Any) -> Any:
    """Nested JSON lists back to Python values, `{"b64": ...}` back to bytes."""
    if isinstance(value, dict):
        if set(value) != {"b64"}:
            raise InputError(f"expected {{\"b64\": ...}} for a binary value, got keys "
                             f"{sorted(value)}")
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


def to_array(value: Any, dtype: Any = None) -> np.ndarray:
    """A decoded JSON value as a numpy array (object dtype for strings)."""
    decoded = decode_value(value)
    if dtype is not None and np.dtype(dtype).kind not in "OSU":
        return np.asarray(decoded, dtype=dtype)
    array = np.asarray(decoded, dtype=object if _has_bytes(decoded) else None)
    return array


def _has_bytes(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_bytes(item) for item in value)
    return isinstance(value, bytes)


def read_request(text_or_path: str) -> dict[str, Any]:
    """A predict request body from JSON text or a JSON file: `{"inputs": {...}}`,
    `{"instances": [...]}`, or a plain mapping of input name to values."""
    text, source = text_or_path, "--input"
    if not text_or_path.lstrip().startswith(("{", "[")):
        source = f"--input {text_or_path}"
        if not os.path.isfile(text_or_path):
            raise InputError(f"--input {text_or_path}: neither JSON nor an existing file")
        with open(text_or_path, encoding="utf-8") as handle:
            text = handle.read()
    try:
        body = json.loads(text)
    except ValueError as error:
        raise InputError(f"{source}: not valid JSON ({error})") from None
    if not isinstance(body, dict) or not body:
        raise InputError(f"{source}: expected a JSON object: {{\"inputs\": {{NAME: values}}}}, "
                         "{\"instances\": [...]} or {NAME: values}")
    if "inputs" in body or "instances" in body:
        return body
    return {"inputs": body}


def columnar_inputs(body: dict[str, Any], input_names: list[str]) -> dict[str, Any]:
    """A request body's inputs as {name: JSON values}, from columnar or row format."""
    if "inputs" in body:
        inputs = body["inputs"]
        if not isinstance(inputs, dict):
            if len(input_names) != 1:
                raise InputError(f"\"inputs\" must name the model's inputs {input_names}")
            inputs = {input_names[0]: inputs}
        return inputs
    instances = body["instances"]
    if not isinstance(instances, list) or not instances:
        raise InputError("\"instances\" must be a non-empty list")
    if all(isinstance(row, dict) and "b64" not in row for row in instances):
        return {name: [row[name] for row in instances] for name in input_names}
    if len(input_names) != 1:
        raise InputError(f"each instance must name the model's inputs {input_names}")
    return {input_names[0]: instances}
