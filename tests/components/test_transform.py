"""Transform: tasks may complete their params from ingest's train statistics."""
from __future__ import annotations

import json

from tfpipe.artifacts import Examples, Statistics
from tfpipe.components.transform import (
    MATERIALIZED_FILE,
    encode_batch,
    is_materialized,
    with_ingest_facts,
)
from tfpipe.pipelines.forecasting.task import ForecastingTask


def statistics_with(tmp_path, train: dict) -> Statistics:
    (tmp_path / "train.json").write_text(json.dumps(train))
    return Statistics(uri=str(tmp_path))


def test_params_are_kept_by_the_default_hook(tmp_path):
    stats = statistics_with(tmp_path, {"count": 7})
    assert with_ingest_facts(ForecastingTask(), {"a": 1}, stats) == {"a": 1}


class CountingTask(ForecastingTask):
    def transform_params(self, params, train_statistics):
        return {**params, "n": train_statistics["count"]}


def test_the_task_hook_sees_the_train_statistics(tmp_path):
    stats = statistics_with(tmp_path, {"count": 7})
    assert with_ingest_facts(CountingTask(), {"a": 1}, stats) == {"a": 1, "n": 7}


def test_encoded_examples_are_the_same_bytes_every_time():
    import pyarrow as pa
    from tensorflow.core.example import example_pb2

    rows = 50
    batch = pa.RecordBatch.from_arrays(
        [pa.array([[i, i + 1] for i in range(rows)], pa.large_list(pa.int64())),
         pa.array([[i % 2] for i in range(rows)], pa.large_list(pa.int64())),
         pa.array([[2]] * rows, pa.large_list(pa.int64()))],
        names=["token_ids", "label", "sequence_length"])
    encoded = encode_batch((batch, None))
    assert len(encoded) == rows
    for index, raw in enumerate(encoded):
        example = example_pb2.Example.FromString(raw)
        # Sorted-key bytes: what a run with another hash seed or map layout writes too.
        assert raw == example.SerializeToString(deterministic=True)
        assert list(example.features.feature["token_ids"].int64_list.value) == [index, index + 1]


def test_materialized_unless_transform_said_otherwise(tmp_path):
    assert is_materialized(Examples(uri=str(tmp_path)))  # artifacts from before the flag
    (tmp_path / MATERIALIZED_FILE).write_text(json.dumps({"materialized": False}))
    assert not is_materialized(Examples(uri=str(tmp_path)))
