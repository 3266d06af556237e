"""tf.Example encoding and TFRecord split folders shared by the components."""
from __future__ import annotations

import glob
import os
from typing import Any, Iterator

import numpy as np

SUFFIX = ".tfrecord.gz"


def split_prefix(root: str, split: str) -> str:
    """File prefix of one split's shards."""
    return os.path.join(root, f"Split-{split}", "data")


def split_files(root: str, split: str) -> list[str]:
    """Shards of one split; raises FileNotFoundError naming the folder when none."""
    files = sorted(glob.glob(split_prefix(root, split) + "*" + SUFFIX))
    if not files:
        raise FileNotFoundError(f"no {split} records under {root}")
    return files


def to_example(values: dict[str, Any]) -> bytes:
    """Serialize a dict of scalars, lists or arrays as a tf.Example."""
    import tensorflow as tf

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


def dataset(files: list[str], spec: dict[str, Any], batch_size: int) -> Any:
    """A batched tf.data.Dataset of parsed examples, in file order."""
    import tensorflow as tf

    records = tf.data.TFRecordDataset(files, compression_type="GZIP")
    return (records.batch(batch_size)
            .map(lambda s: tf.io.parse_example(s, spec), num_parallel_calls=tf.data.AUTOTUNE))


def iter_batches(files: list[str], spec: dict[str, Any],
                 batch_size: int = 1024) -> Iterator[dict[str, np.ndarray]]:
    """Parsed examples as numpy batches."""
    for batch in dataset(files, spec, batch_size):
        yield {name: tensor.numpy() for name, tensor in batch.items()}


def load_split(root: str, split: str, spec: dict[str, Any]) -> dict[str, np.ndarray]:
    """A whole split in memory as numpy arrays (eval splits are small)."""
    parts = list(iter_batches(split_files(root, split), spec))
    if not parts:
        return {name: np.zeros((0,)) for name in spec}
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
