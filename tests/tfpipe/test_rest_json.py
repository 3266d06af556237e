"""TF Serving's REST JSON: b64 for binary strings, request shapes `tfpipe predict` accepts."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe.serving.rest_json import (columnar_inputs, decode_value, encode_tensors,
                                      read_request, to_array)


def test_binary_strings_go_as_b64_and_come_back_as_bytes():
    png = b"\x89PNG\r\n\x1a\n\x00"
    encoded = encode_tensors({"image_bytes": np.array([png, b"ascii"], dtype=object),
                              "text": np.array([b"caf\xc3\xa9", b"\xff"], dtype=object),
                              "window": np.array([[1.5, 2.0]], dtype=np.float32)})
    assert encoded["image_bytes"][1] == {"b64": "YXNjaWk="}  # *_bytes: always b64
    assert encoded["text"] == ["café", {"b64": "/w=="}]      # text; non-UTF-8 as b64
    assert encoded["window"] == [[1.5, 2.0]]
    back = json.loads(json.dumps(encoded))
    assert decode_value(back["image_bytes"]) == [png, b"ascii"]
    assert to_array(back["text"]).tolist() == ["café".encode(), b"\xff"]
    assert to_array([[1, 2]], np.float32).dtype == np.float32


def test_requests_inline_file_bare_and_rows(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"inputs": {"window": [[1, 2]]}}')
    assert read_request(str(path)) == {"inputs": {"window": [[1, 2]]}}
    assert read_request('{"window": [[1, 2]]}') == {"inputs": {"window": [[1, 2]]}}
    rows = {"instances": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}
    assert columnar_inputs(rows, ["a", "b"]) == {"a": [1, 2], "b": ["x", "y"]}
    assert columnar_inputs({"instances": [{"b64": "AA=="}]}, ["image_bytes"]) == {
        "image_bytes": [{"b64": "AA=="}]}
    with pytest.raises(InputError, match="neither JSON nor an existing file"):
        read_request(str(tmp_path / "missing.json"))
    with pytest.raises(InputError, match="not valid JSON"):
        read_request("{window: 1}")
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(InputError, match=f"--input {bad}: not valid JSON"):
        read_request(str(bad))  # the file is named, not only "--input"
