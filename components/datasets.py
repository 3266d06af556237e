"""tf.data pipelines over transformed TFRecords for training."""
from __future__ import annotations

from types import ModuleType
from typing import Any

import tensorflow as tf

from tfpipe.pipelines import tfrecords

# Validation membership is a hash of the serialized record: stable across runs and shard order.
_BUCKETS = 1000


def training_datasets(module: ModuleType, tft_output: Any, root: str,
                      params: dict[str, Any]) -> tuple[tf.data.Dataset, Any, dict[str, int]]:
    """(train, validation or None, sizes) from the train split; eval is never touched."""
    spec = tft_output.transformed_feature_spec()
    records = tf.data.TFRecordDataset(tfrecords.split_files(root, "train"),
                                      compression_type="GZIP")
    cut = int(round(params.get("validation_fraction", 0.0) * _BUCKETS))

    def bucket(record: tf.Tensor) -> tf.Tensor:
        return tf.strings.to_hash_bucket_fast(record, _BUCKETS)

    def parsed(keep: Any) -> tf.data.Dataset:
        # Parse once, in large batches, and keep the parsed examples in memory.
        return (records.filter(keep).batch(1024)
                .map(lambda b: tf.io.parse_example(b, spec)).unbatch().cache())

    train = parsed(lambda r: bucket(r) >= cut)
    validation = parsed(lambda r: bucket(r) < cut)
    sizes = {"train": _count(train), "validation": _count(validation) if cut else 0}

    def to_xy(features: dict[str, tf.Tensor]) -> tuple[Any, Any]:
        return module.model_inputs(features), module.model_label(features)

    batch_size = params["batch_size"]
    train_ds = (train.shuffle(max(sizes["train"], 1), seed=params["seed"],
                              reshuffle_each_iteration=True)
                .batch(batch_size).map(to_xy).prefetch(tf.data.AUTOTUNE))
    validation_ds = None
    if sizes["validation"]:
        validation_ds = validation.batch(batch_size).map(to_xy).cache()
    return train_ds, validation_ds, sizes


def _count(dataset: tf.data.Dataset) -> int:
    return int(dataset.reduce(tf.constant(0, tf.int64), lambda n, _: n + 1).numpy())
