"""The eval split streamed in batches: one batch of features alive at a time, results equal to
scoring the whole split at once."""
from __future__ import annotations

import os
import weakref

import numpy as np
import pytest

from tfpipe.components import eval_stream, tflite, tfrecords
from tfpipe.components.evaluate import score_batches
from tfpipe.components.scoring import call_batched, load_signature


class LiveBatches:
    """Batches of a `features` column made on demand; counts how many are still referenced
    each time a new one is made (so a consumer that keeps batches is caught)."""

    def __init__(self, rows: int, batch_size: int) -> None:
        self.rows, self.batch_size = rows, batch_size
        self.alive = 0
        self.most_alive_at_next = 0
        self.made = 0

    def _dead(self) -> None:
        self.alive -= 1

    def __iter__(self):
        for start in range(0, self.rows, self.batch_size):
            self.most_alive_at_next = max(self.most_alive_at_next, self.alive)
            stop = min(start + self.batch_size, self.rows)
            features = np.arange(start, stop, dtype=np.float32) / 7.0
            weakref.finalize(features, self._dead)
            self.alive += 1
            self.made += 1
            yield {"features": features, "label": np.arange(start, stop) % 3}


class RowWiseTask:
    """The eval hooks of a task, row-wise as the Task contract requires."""

    def eval_labels(self, raw):
        return raw["label"]

    def eval_inputs(self, raw):
        return {"x": raw["features"]}

    def eval_predictions(self, outputs):
        return outputs["y"]

    def baselines(self, raw, statistics, params):
        return {"zero": np.zeros_like(raw["features"]),
                "scaled": raw["features"] * statistics["factor"]}


def save_doubler(path: str, input_name: str = "x") -> str:
    """A SavedModel whose serving_default doubles a float vector."""
    import tensorflow as tf

    module = tf.Module()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name=input_name)])
    def serve(x):
        return {"y": x * 2.0}

    tf.saved_model.save(module, path, signatures={"serving_default": serve})
    return path


def test_score_batches_keeps_no_batch_of_features_beyond_the_current_one(tmp_path):
    batches = LiveBatches(rows=1000, batch_size=64)
    models = {"candidate": load_signature(save_doubler(str(tmp_path / "m")))}
    scored = score_batches(RowWiseTask(), batches, models, {"factor": 3.0}, {})
    assert batches.made == 16
    # Scoring keeps the batch it works on until the next arrives; a whole split in memory
    # (list(batches), a concatenation of the features) would keep all 16.
    assert batches.most_alive_at_next <= 1
    assert len(scored.labels) == 1000


def test_streamed_scores_equal_whole_split_scores(tmp_path):
    signature = load_signature(save_doubler(str(tmp_path / "m")))
    whole = next(iter(LiveBatches(rows=777, batch_size=777)))
    streamed = score_batches(RowWiseTask(), LiveBatches(rows=777, batch_size=100),
                             {"candidate": signature}, {"factor": 3.0}, {})
    assert list(streamed.predictions) == ["candidate", "zero", "scaled"]
    np.testing.assert_array_equal(streamed.labels, whole["label"])
    np.testing.assert_array_equal(streamed.predictions["candidate"],
                                  call_batched(signature, {"x": whole["features"]})["y"])
    np.testing.assert_array_equal(streamed.predictions["scaled"], whole["features"] * 3.0)


def test_a_champion_failing_on_a_batch_is_dropped_and_the_reason_kept(tmp_path):
    models = {"candidate": load_signature(save_doubler(str(tmp_path / "m"))),
              "champion": load_signature(save_doubler(str(tmp_path / "c"), input_name="z"))}
    scored = score_batches(RowWiseTask(), LiveBatches(rows=50, batch_size=20), models,
                           {"factor": 1.0}, {})
    assert "champion" not in scored.predictions and scored.dropped is not None
    assert len(scored.predictions["candidate"]) == 50


def test_head_pulls_no_batch_past_the_rows_it_needs():
    batches = LiveBatches(rows=1000, batch_size=4)
    first = eval_stream.head(iter(batches), 10)
    assert batches.made == 3
    np.testing.assert_array_equal(first["label"], np.arange(10) % 3)


def test_gathered_calibration_rows_equal_indexing_the_whole_split(tmp_path):
    import tensorflow as tf

    whole = next(iter(LiveBatches(rows=300, batch_size=300)))
    rows = tflite.representative_rows(300, 40, seed=3)
    gathered = eval_stream.gather(iter(LiveBatches(rows=300, batch_size=32)), rows,
                                  lambda raw: {"x": raw["features"] + 1})
    np.testing.assert_array_equal(gathered["x"], (whole["features"] + 1)[rows])
    specs = {"x": tf.TensorSpec([None], tf.float32)}
    tflite.save_representative(gathered, specs, str(tmp_path / "streamed.npz"))
    tflite.write_representative({"x": whole["features"] + 1}, 40, 3, specs,
                                str(tmp_path / "whole.npz"))
    np.testing.assert_array_equal(np.load(tmp_path / "streamed.npz")["x"],
                                  np.load(tmp_path / "whole.npz")["x"])


def write_split(root: str, rows: int) -> dict:
    """An eval split of `rows` tf.Examples (two shards) with a wide and a scalar column."""
    import tensorflow as tf

    folder = os.path.join(root, "Split-eval")
    os.makedirs(folder)
    for shard in range(2):
        path = os.path.join(folder, f"data-{shard:05d}-of-00002{tfrecords.SUFFIX}")
        with tf.io.TFRecordWriter(path, options="GZIP") as writer:
            for i in range(shard, rows, 2):
                writer.write(tfrecords.to_example({"wide": [float(i)] * 50, "label": i % 4}))
    return {"wide": tf.io.FixedLenFeature([50], tf.float32),
            "label": tf.io.FixedLenFeature([], tf.int64)}


def test_raw_batches_cover_the_split_in_batches(tmp_path):
    spec = write_split(str(tmp_path), 25)
    sizes = [len(b["label"]) for b in eval_stream.raw_batches(str(tmp_path), "eval", spec, 10)]
    assert sizes == [10, 10, 5]
    assert eval_stream.count_records(str(tmp_path), "eval") == 25


def test_columns_read_only_the_column_asked_for(tmp_path):
    spec = write_split(str(tmp_path), 25)
    columns = eval_stream.Columns(str(tmp_path), "eval", spec)
    assert sorted(columns) == ["label", "wide"] and "wide" in columns
    whole = tfrecords.load_split(str(tmp_path), "eval", spec)
    np.testing.assert_array_equal(columns["label"], whole["label"])
    assert columns.loaded == ["label"]
    with pytest.raises(KeyError):
        columns["missing"]


def test_columns_known_to_the_caller_are_not_read_again(tmp_path):
    spec = write_split(str(tmp_path / "split"), 25)
    kept = np.arange(25) % 2
    # No records where it would read: a read would give an empty column, not the kept one.
    columns = eval_stream.Columns(str(tmp_path / "nothing"), "eval", spec,
                                  known={"label": kept, "other": kept})
    np.testing.assert_array_equal(columns["label"], kept)
    assert columns.loaded == ["label"] and "other" not in columns


def test_score_batches_keeps_the_columns_asked_for_over_every_batch(tmp_path):
    models = {"candidate": load_signature(save_doubler(str(tmp_path / "m")))}
    scored = score_batches(RowWiseTask(), LiveBatches(rows=100, batch_size=30), models,
                           {"factor": 1.0}, {}, keep=("label",))
    assert list(scored.columns) == ["label"]
    np.testing.assert_array_equal(scored.columns["label"], np.arange(100) % 3)
