"""to_example: hand-encoded tf.Example bytes match what tf.train builds, without TensorFlow."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import tensorflow as tf

from tfpipe.components.tfrecords import to_example

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
DTYPES = {"bytes_list": object, "int64_list": "int64", "float_list": "float32"}
RNG = np.random.default_rng(0)

CASES: dict[str, dict[str, Any]] = {
    "empty_list": {"x": []},
    "empty_int_array": {"x": np.zeros((0,), "int64")},
    "empty_str_array": {"x": np.array([], dtype=str)},
    "scalar_int": {"x": 7},
    "zero": {"x": 0},
    "int_127_128_300": {"x": [127, 128, 300]},
    "minus_one": {"x": -1},
    "negative_ints": {"x": [-1, -2, -128, -(2 ** 31), 5]},
    "int64_min_max": {"x": [INT64_MIN, INT64_MAX]},
    "int64_min_scalar": {"x": INT64_MIN},
    "int64_max_scalar": {"x": INT64_MAX},
    "numpy_int_scalar": {"x": np.int64(-3)},
    "uint8_image": {"x": RNG.integers(0, 256, 784).astype("uint8")},
    "uint8_small": {"x": np.arange(100, dtype="uint8").reshape(10, 10)},
    "uint64_large": {"x": np.array([2 ** 64 - 1, 2 ** 63, 1], dtype="uint64")},
    "int64_random_long": {"x": RNG.integers(INT64_MIN, INT64_MAX, 500, dtype="int64")},
    "int32_mixed_long": {"x": np.array([0, 1, -1, 127, 128, 16383, 16384, -300] * 3, "int32")},
    "bool_scalar": {"x": True},
    "bools": {"x": np.array([True, False, True])},
    "float_scalar": {"x": 1.5},
    "float_rounds_to_f32": {"x": 0.1},
    "float_overflow_to_inf": {"x": 1e300},
    "float_2d": {"x": RNG.normal(size=(3, 4))},
    "float32_array": {"x": np.linspace(-1, 1, 9, dtype="float32")},
    "float_list": {"x": [1.0, -2.25, 3e-8]},
    "nan_inf": {"x": [float("nan"), float("inf"), -float("inf"), -0.0]},
    "str_ascii": {"x": "pos"},
    "str_non_ascii": {"x": "naïve café ☕ 日本"},
    "str_empty": {"x": ""},
    "bytes": {"x": b"raw \xff\x00 bytes"},
    "bytes_long": {"x": b"a review " * 300},
    "unicode_array": {"x": np.array([["é", "b"], ["ccc", ""]])},
    "bytes_array": {"x": np.array([b"x", b"yz", b"\xfe"])},
    "str_list": {"x": ["a", "ü", ""]},
    "object_array": {"x": np.array(["a", b"b"], dtype=object)},
    "several": {"text": b"a great film", "label": "pos", "label_index": 1,
                "image": np.arange(12, dtype="uint8").reshape(3, 4), "weight": 0.5,
                "tags": ["x", "y"], "empty": []},
    "no_features": {},
}


def reference_example(values: dict[str, Any]) -> bytes:
    """The TensorFlow-built encoding to_example had before it stopped importing TensorFlow."""
    feature = {}
    for name, value in values.items():
        array = np.asarray(value)
        if array.dtype.kind in "SUO" or isinstance(value, (bytes, str)):
            items = [v.encode("utf-8") if isinstance(v, str) else bytes(v)
                     for v in np.ravel(array).tolist()]
            feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=items))
        elif array.dtype.kind in "iub":
            feature[name] = tf.train.Feature(
                int64_list=tf.train.Int64List(value=np.ravel(array).astype("int64")))
        else:
            feature[name] = tf.train.Feature(
                float_list=tf.train.FloatList(value=np.ravel(array).astype("float32")))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def as_lists(example: tf.train.Example) -> dict[str, tuple[str, np.ndarray]]:
    """Each feature's oneof kind and values (arrays, so NaNs compare equal)."""
    out = {}
    for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        out[name] = (kind, np.array(list(getattr(feature, kind).value), dtype=DTYPES[kind]))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_parses_to_the_tensorflow_built_message(name):
    values = CASES[name]
    ours = tf.train.Example.FromString(to_example(values))
    theirs = tf.train.Example.FromString(reference_example(values))
    assert ours.HasField("features") == theirs.HasField("features")
    ours_lists, theirs_lists = as_lists(ours), as_lists(theirs)
    assert ours_lists.keys() == theirs_lists.keys()
    for key, (kind, items) in theirs_lists.items():
        assert ours_lists[key][0] == kind, key
        np.testing.assert_array_equal(ours_lists[key][1], items, err_msg=key)
    if not name.startswith("nan"):
        assert ours == theirs


@pytest.mark.parametrize("name", [n for n, v in CASES.items() if len(v) == 1])
def test_single_feature_bytes_are_identical_to_tensorflow(name):
    assert to_example(CASES[name]) == reference_example(CASES[name])


@pytest.mark.parametrize("name", [n for n, v in CASES.items() if v])
def test_parse_single_example_returns_the_values(name):
    values = CASES[name]
    reference = tf.train.Example.FromString(reference_example(values))
    dtypes = {"bytes_list": tf.string, "int64_list": tf.int64, "float_list": tf.float32}
    spec = {key: tf.io.VarLenFeature(dtypes[kind]) for key, (kind, _) in
            as_lists(reference).items()}
    parsed = tf.io.parse_single_example(to_example(values), spec)
    for key, (kind, items) in as_lists(reference).items():
        got = tf.sparse.to_dense(parsed[key]).numpy() if kind != "bytes_list" else \
            parsed[key].values.numpy()
        if kind == "bytes_list":
            assert got.tolist() == items.tolist(), key
        else:
            np.testing.assert_array_equal(got.ravel(), items, err_msg=key)


def test_values_round_trip_from_the_inputs():
    parsed = tf.io.parse_single_example(
        to_example({"text": "naïve", "n": [-1, INT64_MIN, INT64_MAX], "f": [[0.5, 2.0]]}),
        {"text": tf.io.FixedLenFeature([], tf.string), "n": tf.io.FixedLenFeature([3], tf.int64),
         "f": tf.io.FixedLenFeature([2], tf.float32)})
    assert parsed["text"].numpy().decode("utf-8") == "naïve"
    assert parsed["n"].numpy().tolist() == [-1, INT64_MIN, INT64_MAX]
    assert parsed["f"].numpy().tolist() == [0.5, 2.0]


@pytest.mark.parametrize("value", [b"ab\x00\x00", "ab\x00", [b"\x00", "x\x00"], (b"a\x00",)])
def test_trailing_nul_bytes_are_kept(value):
    items = [v.encode("utf-8") if isinstance(v, str) else v
             for v in (value if isinstance(value, (list, tuple)) else [value])]
    parsed = tf.train.Example.FromString(to_example({"x": value}))
    assert list(parsed.features.feature["x"].bytes_list.value) == items


def test_encoding_does_not_import_tensorflow(modules_loaded_after):
    code = ("from tfpipe.components.tfrecords import to_example; import numpy as np; "
            "to_example({'text': b'a film', 'label': 'pos', 'label_index': 1, "
            "'image': np.zeros(784, 'uint8'), 'w': [0.5], 'n': [-1] * 20})")
    assert modules_loaded_after(code, ("tensorflow",)) == []
