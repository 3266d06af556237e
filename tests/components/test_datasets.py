"""Training datasets: validation by record hash or a task's order; one transform pass, traced once."""
from __future__ import annotations

import os
import types

import numpy as np
import pytest

from tfpipe.components import tfrecords
from tfpipe.components.datasets import first_validation_position, training_datasets


class FakeTransformOutput:
    """Only what training_datasets reads: the transformed feature spec."""

    def transformed_feature_spec(self) -> dict:
        import tensorflow as tf

        return {"x": tf.io.FixedLenFeature([], tf.float32),
                "y": tf.io.FixedLenFeature([], tf.int64),
                "t": tf.io.FixedLenFeature([], tf.int64)}


TASK = types.SimpleNamespace(model_inputs=lambda f: f["x"], model_label=lambda f: f["y"],
                             validation_order=None)
ORDERED_TASK = types.SimpleNamespace(**{**vars(TASK), "validation_order": "t"})


def write_split(root: str, count: int, shards: int = 1) -> str:
    """count transformed records x=t=i, y=i % 2, shuffled over GZIP shards of the train split."""
    import tensorflow as tf

    folder = os.path.join(root, "Split-train")
    os.makedirs(folder)
    order = np.random.default_rng(0).permutation(count)
    for shard in range(shards):
        name = f"data-{shard:05d}-of-{shards:05d}" + tfrecords.SUFFIX
        with tf.io.TFRecordWriter(os.path.join(folder, name), options="GZIP") as writer:
            for i in order[shard::shards]:
                writer.write(tfrecords.to_example({"x": float(i), "y": int(i) % 2, "t": int(i)}))
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


@pytest.mark.parametrize("fraction, latest", [(0.1, 20), (0.25, 50), (0.0, 0)])
def test_an_ordered_task_validates_on_its_latest_records(tmp_path, fraction, latest):
    root = write_split(str(tmp_path), 200, shards=3)
    params = {"validation_fraction": fraction, "batch_size": 16, "seed": 0}
    train, validation, sizes = training_datasets(ORDERED_TASK, FakeTransformOutput(), root,
                                                 params)
    assert sizes == {"train": 200 - latest, "validation": latest}
    assert inputs(train) == [float(i) for i in range(200 - latest)]
    assert inputs(validation) == [float(i) for i in range(200 - latest, 200)]


def test_the_hashed_split_is_not_the_latest_records(tmp_path):
    root = write_split(str(tmp_path), 200)
    params = {"validation_fraction": 0.25, "batch_size": 16, "seed": 0}
    _, validation, sizes = training_datasets(TASK, FakeTransformOutput(), root, params)
    assert inputs(validation) != [float(i) for i in range(200 - sizes["validation"], 200)]


def test_first_validation_position_counts_from_the_end():
    positions = np.array([7, 3, 9, 1, 5])
    assert first_validation_position(positions, 0.4) == 7
    assert first_validation_position(positions, 0.0) == 10
    assert first_validation_position(np.zeros((0,), np.int64), 0.1) == 1


class CountingTransformOutput(FakeTransformOutput):
    """A transform graph that counts its traces and the records it transforms."""

    def __init__(self) -> None:
        self.traces = 0
        self.transformed = 0

    def transform_features_layer(self):
        import tensorflow as tf

        def count(batch):
            self.transformed += int(batch.shape[0])
            return batch

        def layer(raw: dict) -> dict:
            self.traces += 1
            x = tf.py_function(count, [raw["x"]], tf.float32)
            return {"x": tf.reshape(x, [-1]), "y": raw["y"], "t": raw["t"]}

        return layer


def test_raw_records_are_transformed_once_by_one_trace(tmp_path):
    # Train applies the transform graph to ingest's records: one traced graph for both splits,
    # and every record transformed once however many epochs read the splits.
    root = write_split(str(tmp_path), 300, shards=2)
    params = {"validation_fraction": 0.2, "batch_size": 16, "seed": 0}
    raw_task = types.SimpleNamespace(**vars(TASK),
                                     raw_feature_spec=lambda _: FakeTransformOutput()
                                     .transformed_feature_spec())
    graph = CountingTransformOutput()
    train, validation, sizes = training_datasets(raw_task, graph, root, params, raw=True)
    for _ in range(2):
        train_x, validation_x = inputs(train), inputs(validation)
    assert sorted(train_x + validation_x) == [float(i) for i in range(300)]
    assert sizes == {"train": len(train_x), "validation": len(validation_x)}
    assert graph.traces == 1
    assert graph.transformed == 300
