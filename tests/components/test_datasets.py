"""Training datasets: validation by record hash, sizes counted without a dataset pass."""
from __future__ import annotations

import os
import types

import numpy as np
import pytest

from tfpipe.components.datasets import training_datasets
from tfpipe.pipelines import tfrecords


class FakeTransformOutput:
    """Only what training_datasets reads: the transformed feature spec."""

    def transformed_feature_spec(self) -> dict:
        import tensorflow as tf

        return {"x": tf.io.FixedLenFeature([], tf.float32),
                "y": tf.io.FixedLenFeature([], tf.int64)}


TASK = types.SimpleNamespace(model_inputs=lambda f: f["x"], model_label=lambda f: f["y"])


def write_split(root: str, count: int) -> str:
    """count transformed records x=i, y=i % 2 in one GZIP shard of the train split."""
    import tensorflow as tf

    folder = os.path.join(root, "Split-train")
    os.makedirs(folder)
    with tf.io.TFRecordWriter(os.path.join(folder, "data-00000-of-00001" + tfrecords.SUFFIX),
                              options="GZIP") as writer:
        for i in range(count):
            writer.write(tfrecords.to_example({"x": float(i), "y": i % 2}))
    return root


def labels(dataset) -> list[int]:
    """Every label of a batched (x, y) dataset."""
    return [int(v) for _, y in dataset for v in np.asarray(y)]


def inputs(dataset) -> list[float]:
    """Every input of a batched (x, y) dataset, sorted; none for no dataset."""
    return sorted(float(v) for x, _ in (dataset or []) for v in np.asarray(x))


@pytest.mark.parametrize("fraction", [0.0, 0.3])
def test_sizes_match_the_datasets_and_splits_are_disjoint(tmp_path, fraction):
    root = write_split(str(tmp_path), 200)
    params = {"validation_fraction": fraction, "batch_size": 16, "seed": 0}
    train, validation, sizes = training_datasets(TASK, FakeTransformOutput(), root, params)
    train_x, validation_x = inputs(train), inputs(validation)
    assert sizes == {"train": len(train_x), "validation": len(validation_x)}
    assert sorted(train_x + validation_x) == [float(i) for i in range(200)]
    if fraction:
        assert 30 <= sizes["validation"] <= 90
        # Declared for Keras, and checked by tf.data while iterating above.
        assert int(validation.cardinality()) == -(-sizes["validation"] // 16)
    else:
        assert validation is None


def test_validation_membership_is_stable_across_calls(tmp_path):
    root = write_split(str(tmp_path), 100)
    params = {"validation_fraction": 0.2, "batch_size": 8, "seed": 0}
    first = training_datasets(TASK, FakeTransformOutput(), root, params)
    second = training_datasets(TASK, FakeTransformOutput(), root, {**params, "seed": 5})
    assert first[2] == second[2]
    assert labels(first[1]) == labels(second[1])
