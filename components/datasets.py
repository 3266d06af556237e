"""tf.data pipelines over transformed TFRecords for training."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from tfpipe.components import tfrecords
from tfpipe.task import Task

# By default validation membership is a hash of the serialized record: stable across runs and
# shard order. A task whose records have an order (forecasting: time) names the transformed
# feature in VALIDATION_ORDER and validates on the latest records instead.
_BUCKETS = 1000
# The functions below have no tensor-dependent Python control flow (nor do the task hooks
# model_inputs/model_label), so tf.data traces them without autograph's source conversion.
_plain = tf.autograph.experimental.do_not_convert


def training_datasets(hooks: Task, tft_output: Any, root: str, params: dict[str, Any],
                      raw: bool = False) -> tuple[tf.data.Dataset, Any, dict[str, int]]:
    """(train, validation or None, sizes) from the train split; eval is never touched.

    `root` holds transformed records, or with `raw` ingest's records, which then go through
    the transform graph here (the graph serving uses, loaded once for export too).
    """
    features_of = _transformed_features(hooks, tft_output, params, raw)
    records = tf.data.TFRecordDataset(tfrecords.split_files(root, "train"),
                                      compression_type="GZIP")
    in_validation = validation_rule(hooks, records, params.get("validation_fraction", 0.0))
    # One pass parses (and with `raw` transforms) every record in large batches and marks its
    # validation membership; both splits are cut from that one mapped dataset, so the
    # transform graph is traced once, not once per split. Train holds its split (transformed)
    # in memory by design: the shuffle below spans the whole split (a uniform, seeded order
    # each epoch needs every example at hand), and transforming once instead of every epoch
    # keeps later epochs cheap. The marked pass is cached too, so the count below fills it
    # and the splits read memory, not the records again; the cost curve in
    # benchmarks/RESULTS.md measures what this holds at 100x the data.
    marked = (records.batch(1024)
              .map(_plain(lambda batch: (features_of(batch), in_validation(batch))))
              .unbatch().cache())
    sizes = split_sizes(marked)

    @_plain
    def to_xy(features: dict[str, tf.Tensor]) -> tuple[Any, Any]:
        return hooks.model_inputs(features), hooks.model_label(features)

    @_plain
    def features(example: Any, _: tf.Tensor) -> Any:
        return example

    batch_size = params["batch_size"]
    train = (marked.filter(_plain(lambda _, held_out: tf.logical_not(held_out)))
             .map(features).cache())  # epochs shuffle this, not a filter over every record
    train_ds = (train.shuffle(max(sizes["train"], 1), seed=params["seed"],
                              reshuffle_each_iteration=True)
                .batch(batch_size).map(to_xy).prefetch(tf.data.AUTOTUNE))
    validation_ds = None
    if sizes["validation"]:
        validation_ds = (marked.filter(_plain(lambda _, held_out: held_out)).map(features)
                         .batch(batch_size).map(to_xy).cache()
                         .apply(_batches(sizes["validation"], batch_size)))
    return train_ds, validation_ds, sizes


def split_sizes(marked: tf.data.Dataset) -> dict[str, int]:
    """Train and validation counts of (features, in validation) elements; fills their cache."""
    membership = [v.numpy() for v in marked.map(_plain(lambda _, held_out: held_out)).batch(8192)]
    validation = int(sum(np.sum(m) for m in membership))
    total = sum(len(m) for m in membership)
    return {"train": total - validation, "validation": validation}


def _transformed_features(hooks: Task, tft_output: Any, params: dict[str, Any],
                          raw: bool) -> Callable[[tf.Tensor], dict[str, Any]]:
    """Serialized records (a batch) -> transformed features."""
    if not raw:
        spec = tft_output.transformed_feature_spec()
        return _plain(lambda batch: tf.io.parse_example(batch, spec))
    spec = hooks.raw_feature_spec(params)
    layer = tft_output.transform_features_layer()
    return _plain(lambda batch: layer(tf.io.parse_example(batch, spec)))


def _batches(records: int, batch_size: int) -> Callable[[tf.data.Dataset], tf.data.Dataset]:
    """Declare the batch count, which filter hides."""
    # With it, Keras ends each validation pass at the last batch instead of at an end-of-data
    # error, whose iterator teardown costs ~0.2 s an epoch. Train keeps an unknown count: with
    # a known one Keras iterates it differently and the seeded run trains on other orders.
    return tf.data.experimental.assert_cardinality(-(-records // batch_size))


def validation_rule(hooks: Task, records: tf.data.Dataset,
                    fraction: float) -> Callable[[tf.Tensor], tf.Tensor]:
    """Whether serialized records are validation: the latest by the task's order, else by hash."""
    order = hooks.validation_order
    if order is None:
        cut = round(fraction * _BUCKETS)
        return lambda r: _bucket(r) < cut
    position = _position_of(order)
    first = first_validation_position(_batched_values(records, position), fraction)
    return lambda r: position(r) >= first


def first_validation_position(positions: np.ndarray, fraction: float) -> int:
    """The lowest position of the latest `fraction` of records (past the last one when none)."""
    count = round(fraction * len(positions))
    if not count:
        return int(positions.max(initial=0)) + 1
    return int(np.sort(positions)[-count])


def _batched_values(records: tf.data.Dataset,
                    fn: Callable[[tf.Tensor], tf.Tensor]) -> np.ndarray:
    """fn over every record, computed on large batches."""
    values = [v.numpy() for v in records.batch(8192).map(_plain(fn))]
    return np.concatenate(values) if values else np.zeros((0,), np.int64)


def _position_of(feature: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """Serialized records (any shape) -> their int64 `feature`."""
    spec = {feature: tf.io.FixedLenFeature([], tf.int64)}

    def position(records: tf.Tensor) -> tf.Tensor:
        flat = tf.io.parse_example(tf.reshape(records, [-1]), spec)[feature]
        return tf.reshape(flat, tf.shape(records))

    return position


def _bucket(record: tf.Tensor) -> tf.Tensor:
    """The record's validation bucket."""
    return tf.strings.to_hash_bucket_fast(record, _BUCKETS)
