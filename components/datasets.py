"""tf.data pipelines over transformed TFRecords for training."""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import tensorflow as tf

from tfpipe.pipelines import tfrecords

# Validation membership is a hash of the serialized record: stable across runs and shard order.
_BUCKETS = 1000
# The functions below have no tensor-dependent Python control flow (nor do the task hooks
# model_inputs/model_label), so tf.data traces them without autograph's source conversion.
_plain = tf.autograph.experimental.do_not_convert


def training_datasets(module: ModuleType, tft_output: Any, root: str,
                      params: dict[str, Any]) -> tuple[tf.data.Dataset, Any, dict[str, int]]:
    """(train, validation or None, sizes) from the train split; eval is never touched."""
    spec = tft_output.transformed_feature_spec()
    records = tf.data.TFRecordDataset(tfrecords.split_files(root, "train"),
                                      compression_type="GZIP")
    cut = round(params.get("validation_fraction", 0.0) * _BUCKETS)
    sizes = split_sizes(records, cut)

    def parsed(keep: Callable[[tf.Tensor], tf.Tensor]) -> tf.data.Dataset:
        # Parse once, in large batches, and keep the parsed examples in memory.
        return (records.filter(keep).batch(1024)
                .map(_plain(lambda b: tf.io.parse_example(b, spec))).unbatch().cache())

    @_plain
    def to_xy(features: dict[str, tf.Tensor]) -> tuple[Any, Any]:
        return module.model_inputs(features), module.model_label(features)

    batch_size = params["batch_size"]
    train = parsed(_plain(lambda r: _bucket(r) >= cut))
    train_ds = (train.shuffle(max(sizes["train"], 1), seed=params["seed"],
                              reshuffle_each_iteration=True)
                .batch(batch_size).map(to_xy).prefetch(tf.data.AUTOTUNE))
    validation_ds = None
    if sizes["validation"]:
        validation_ds = (parsed(_plain(lambda r: _bucket(r) < cut))
                         .batch(batch_size).map(to_xy).cache()
                         .apply(_batches(sizes["validation"], batch_size)))
    return train_ds, validation_ds, sizes


def _batches(records: int, batch_size: int) -> Callable[[tf.data.Dataset], tf.data.Dataset]:
    """Declare the batch count, which filter hides."""
    # With it, Keras ends each validation pass at the last batch instead of at an end-of-data
    # error, whose iterator teardown costs ~0.2 s an epoch. Train keeps an unknown count: with
    # a known one Keras iterates it differently and the seeded run trains on other orders.
    return tf.data.experimental.assert_cardinality(-(-records // batch_size))


def split_sizes(records: tf.data.Dataset, cut: int) -> dict[str, int]:
    """Train and validation record counts, from the records' hash buckets in large batches."""
    buckets = [b.numpy() for b in records.batch(8192).map(_plain(_bucket))]
    values = np.concatenate(buckets) if buckets else np.zeros((0,), np.int64)
    validation = int(np.sum(values < cut))
    return {"train": len(values) - validation, "validation": validation}


def _bucket(record: tf.Tensor) -> tf.Tensor:
    """The record's validation bucket."""
    return tf.strings.to_hash_bucket_fast(record, _BUCKETS)
