"""Scoring helpers: signatures called in batches; loads reused only for unchanged files."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tfpipe.components.scoring import call_batched, load_signature


def save_doubler(path: str, factor: float = 2.0) -> str:
    """A SavedModel whose serving_default multiplies `x` by factor."""
    import tensorflow as tf

    module = tf.Module()
    module.factor = tf.Variable(factor)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(x):
        return {"y": x * module.factor}

    tf.saved_model.save(module, path, signatures={"serving_default": serve})
    return path


def test_call_batched_concatenates_batches(tmp_path):
    signature = load_signature(save_doubler(str(tmp_path / "m")))
    outputs = call_batched(signature, {"x": np.arange(7, dtype=np.float32)}, batch_size=3)
    assert outputs["y"].tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]


def test_unchanged_model_is_loaded_once_and_a_rewritten_one_again(tmp_path):
    path = save_doubler(str(tmp_path / "m"))
    first = load_signature(path)
    assert load_signature(path)._tfpipe_owner is first._tfpipe_owner
    save_doubler(path, factor=3.0)
    stamp = os.stat(os.path.join(path, "saved_model.pb")).st_mtime_ns + 10**9
    os.utime(os.path.join(path, "saved_model.pb"), ns=(stamp, stamp))
    again = load_signature(path)
    assert again._tfpipe_owner is not first._tfpipe_owner
    assert call_batched(again, {"x": np.ones(2, np.float32)})["y"].tolist() == [3.0, 3.0]


def test_missing_signature_names_what_exists(tmp_path):
    with pytest.raises(ValueError, match="serving_default"):
        load_signature(save_doubler(str(tmp_path / "m")), "nope")
