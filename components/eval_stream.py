"""A split's raw examples streamed in batches, so no step holds a whole split's features.

Evaluate, push and the device export read the eval split (and the device export's int8
calibration the train split) through these: one batch of parsed examples is alive at a time,
and only what grows by a few numbers per example (labels, predictions, the columns a plot
asks for) is kept for the whole split.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from tfpipe.components import tfrecords

# Rows per parsed batch; also the batch serving_default is called with (call_batched's
# default), so a streamed score calls the model on exactly the batches a whole-split one did.
BATCH_SIZE = 512
Batch = dict[str, np.ndarray]


def raw_batches(root: str, split: str, spec: dict[str, Any],
                batch_size: int = BATCH_SIZE) -> Iterator[Batch]:
    """A split's examples as numpy batches, in file order; one empty batch for an empty split
    (so callers run their hooks once, as on a whole split with no rows)."""
    empty = True
    for batch in tfrecords.iter_batches(tfrecords.split_files(root, split), spec, batch_size):
        empty = False
        yield batch
    if empty:
        yield {name: np.zeros((0,)) for name in spec}


def head(batches: Iterable[Batch], count: int) -> Batch:
    """The first `count` rows of a stream of batches; pulls no batch past them."""
    parts: list[Batch] = []
    taken = 0
    for batch in batches:
        rows = len(next(iter(batch.values()))) if batch else 0
        parts.append({name: values[:count - taken] for name, values in batch.items()})
        taken += min(rows, count - taken)
        if taken >= count:
            break
    return concatenate(parts)


def concatenate(parts: list[Batch]) -> Batch:
    """Batches joined row-wise (an empty dict when there are none)."""
    if not parts:
        return {}
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def count_records(root: str, split: str) -> int:
    """Records in a split, counted without parsing them."""
    import tensorflow as tf

    records = tf.data.TFRecordDataset(tfrecords.split_files(root, split),
                                      compression_type="GZIP")
    return int(records.reduce(np.int64(0), lambda total, _: total + 1).numpy())


def gather(batches: Iterable[Batch], rows: np.ndarray,
           convert: Callable[[Batch], Batch] = lambda batch: batch) -> Batch:
    """The given (sorted) row numbers of a stream, each batch passed through `convert`."""
    parts: list[Batch] = []
    start = 0
    for batch in batches:
        size = len(next(iter(batch.values()))) if batch else 0
        wanted = rows[(rows >= start) & (rows < start + size)] - start
        if len(wanted):
            parts.append({name: np.asarray(values)[wanted]
                          for name, values in convert(batch).items()})
        start += size
    return concatenate(parts)


class Columns(dict):
    """A split's raw columns, each read (alone) from the records the first time it is asked
    for: plots get the label or time column without the split's features being loaded.

    A dict (the type the task hooks take) whose keys are every column of the spec; `known`
    columns, already read by the caller, are not read again.
    """

    def __init__(self, root: str, split: str, spec: dict[str, Any],
                 known: dict[str, np.ndarray] | None = None) -> None:
        super().__init__({name: values for name, values in (known or {}).items()
                          if name in spec})
        self._root, self._split, self._spec = root, split, spec

    def __missing__(self, name: str) -> np.ndarray:
        if name not in self._spec:
            raise KeyError(name)
        column = concatenate(list(raw_batches(self._root, self._split,
                                              {name: self._spec[name]})))[name]
        self[name] = column
        return column

    def get(self, name: str, default: Any = None) -> Any:
        """The column (read now if not yet), else default."""
        return self[name] if name in self._spec else default

    def __contains__(self, name: object) -> bool:
        return name in self._spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._spec)

    def __len__(self) -> int:
        return len(self._spec)

    def keys(self) -> Any:
        """Every column of the spec, read or not."""
        return self._spec.keys()

    def items(self) -> Any:
        """Every column, reading those not yet read."""
        return [(name, self[name]) for name in self._spec]

    def values(self) -> Any:
        """Every column, reading those not yet read."""
        return [self[name] for name in self._spec]

    @property
    def loaded(self) -> list[str]:
        """The columns read so far."""
        return sorted(dict.keys(self))
