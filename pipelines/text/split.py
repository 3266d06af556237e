"""Seeded train/eval split and label-set handling, as plain functions."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

from tfpipe.pipelines.text.readers import UNKNOWN_LABEL, Quarantined, Row

TRAIN = "train"
EVAL = "eval"


def split_fraction(key: str, seed: int) -> float:
    """A stable pseudo-random number in [0, 1) for a key and a seed."""
    digest = hashlib.sha256(f"{seed}\x00{key}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64


def assign_split(text: str, eval_fraction: float, seed: int) -> str:
    """'eval' or 'train' for a text; identical texts always share a split (no leakage)."""
    return EVAL if split_fraction(text, seed) < eval_fraction else TRAIN


def infer_label_values(labels: Iterable[str]) -> tuple[str, ...]:
    """Distinct labels, sorted numerically when all are integers, else lexically."""
    distinct = set(labels)
    if not distinct:
        raise ValueError("cannot infer label values: the train split has no labelled row")
    try:
        return tuple(sorted(distinct, key=lambda v: (int(v), v)))
    except ValueError:
        return tuple(sorted(distinct))


def check_label(row: Row, label_values: tuple[str, ...]) -> Row | Quarantined:
    """The row when its label is in the set, else a Quarantined record."""
    if row.label in label_values:
        return row
    return Quarantined(row.source, row.row, UNKNOWN_LABEL,
                       f"label {row.label!r} not in {list(label_values)}: {row.text[:120]}")


def label_index(label: str | None, label_values: tuple[str, ...]) -> int:
    """Position of a label in the label set."""
    try:
        return label_values.index(label)
    except ValueError:
        raise ValueError(f"label {label!r} not in {list(label_values)}") from None
