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


_MASK64 = (1 << 64) - 1
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_ONE_BYTE = [bytes((i,)) for i in range(128)]
_SHIFTS = np.arange(0, 64, 7, dtype=np.uint64)


def _varint(n: int) -> bytes:
    """Protobuf varint of n, negatives as their 64-bit two's complement (10 bytes)."""
    if 0 <= n < 128:
        return _ONE_BYTE[n]
    n &= _MASK64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _packed_varints(ints: np.ndarray) -> bytes:
    """Concatenated varints of an int64 array, vectorized for long arrays."""
    if ints.size <= 8:
        return b"".join(_varint(n) for n in ints.tolist())
    u = ints.view(np.uint64)
    top = int(u.max())
    if top < 128:
        return u.astype(np.uint8).tobytes()
    shifted = u[:, None] >> _SHIFTS[:(top.bit_length() + 6) // 7]
    keep = shifted != 0
    keep[:, 0] = True
    groups = shifted.astype(np.uint8) & 0x7F
    groups[:, :-1] |= keep[:, 1:].view(np.uint8) << 7
    return groups[keep].tobytes()


def _field(tag: int, payload: bytes) -> bytes:
    """A length-delimited field: one-byte tag, varint length, payload."""
    return _ONE_BYTE[tag] + _varint(len(payload)) + payload


def _utf8(value: str | bytes) -> bytes:
    """bytes as they are, str as UTF-8."""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _feature(value: Any) -> bytes:
    """One tf.train.Feature message: bytes_list=1, float_list=2 or int64_list=3."""
    if isinstance(value, (bytes, str)):
        value = [value]
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (bytes, str)) for v in value):  # not via numpy, which drops end NULs
        return _field(0x0A, b"".join(_field(0x0A, _utf8(v)) for v in value))
    if type(value) is int and _INT64_MIN <= value <= _INT64_MAX:
        return _field(0x1A, _field(0x0A, _varint(value)))
    array = np.asarray(value)
    if array.dtype.kind in "SUO" or isinstance(value, (bytes, str)):
        return _field(0x0A, b"".join(_field(0x0A, _utf8(v)) for v in np.ravel(array).tolist()))
    if array.dtype.kind in "iub":
        ints = np.ravel(array).astype("int64")
        return _field(0x1A, _field(0x0A, _packed_varints(ints)) if ints.size else b"")
    floats = np.ravel(array).astype("<f4")
    return _field(0x12, _field(0x0A, floats.tobytes()) if floats.size else b"")


def to_example(values: dict[str, Any]) -> bytes:
    """Serialize a dict of scalars, lists or arrays as a tf.Example, without TensorFlow."""
    entries = [_field(0x0A, _field(0x0A, name.encode("utf-8")) + _field(0x12, _feature(value)))
               for name, value in values.items()]
    return _field(0x0A, b"".join(entries))


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
