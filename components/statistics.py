"""Beam CombineFn computing simple per-split statistics of dict examples."""
from __future__ import annotations

from typing import Any, Iterable

import apache_beam as beam
import numpy as np

_EMPTY = {"n": 0, "sum": 0.0, "sumsq": 0.0, "min": None, "max": None}
# Scalar string/integer features get value counts (for class baselines) up to this many
# distinct values; beyond it the feature is not categorical and its counts are dropped.
MAX_DISTINCT = 1000


def category(value: Any) -> str | None:
    """A scalar string or integer as a count key, else None."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    array = np.asarray(value)
    if array.size == 1 and array.dtype.kind in "iub":
        return str(int(array.reshape(-1)[0]))
    return None


def _merge_counts(into: dict[str, Any], name: str, counts: dict[str, int] | None) -> None:
    """Add value counts of one feature; None marks a feature with too many values."""
    if name in into and into[name] is None:
        return
    if counts is None:
        into[name] = None
        return
    merged = into.setdefault(name, {})
    for key, n in counts.items():
        merged[key] = merged.get(key, 0) + n
    if len(merged) > MAX_DISTINCT:
        into[name] = None


def numbers(value: Any) -> np.ndarray | None:
    """Numeric values of a feature as a flat float array, or None for text/bytes."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        return None
    return array.astype("float64").ravel()


def _merge_feature(into: dict[str, Any], other: dict[str, Any]) -> None:
    into["n"] += other["n"]
    into["sum"] += other["sum"]
    into["sumsq"] += other["sumsq"]
    for key, pick in (("min", min), ("max", max)):
        values = [v for v in (into[key], other[key]) if v is not None]
        into[key] = pick(values) if values else None


class SummaryStats(beam.CombineFn):
    """Example count and mean/std/min/max of each numeric feature."""

    def create_accumulator(self) -> dict[str, Any]:
        return {"count": 0, "features": {}, "values": {}}

    def add_input(self, acc: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
        acc["count"] += 1
        for name, value in example.items():
            key = category(value)
            if key is not None:
                _merge_counts(acc["values"], name, {key: 1})
            values = numbers(value)
            if values is None or values.size == 0:
                continue
            feature = acc["features"].setdefault(name, dict(_EMPTY))
            _merge_feature(feature, {"n": int(values.size), "sum": float(values.sum()),
                                     "sumsq": float((values * values).sum()),
                                     "min": float(values.min()), "max": float(values.max())})
        return acc

    def merge_accumulators(self, accumulators: Iterable[dict[str, Any]]) -> dict[str, Any]:
        merged = self.create_accumulator()
        for acc in accumulators:
            merged["count"] += acc["count"]
            for name, counts in acc["values"].items():
                _merge_counts(merged["values"], name, counts)
            for name, feature in acc["features"].items():
                _merge_feature(merged["features"].setdefault(name, dict(_EMPTY)), feature)
        return merged

    def extract_output(self, acc: dict[str, Any]) -> dict[str, Any]:
        features = {}
        for name, feature in acc["features"].items():
            n = max(feature["n"], 1)
            mean = feature["sum"] / n
            features[name] = {"mean": mean,
                              "std": max(feature["sumsq"] / n - mean * mean, 0.0) ** 0.5,
                              "min": feature["min"], "max": feature["max"],
                              "values": feature["n"]}
        values = {name: dict(sorted(counts.items()))
                  for name, counts in acc["values"].items() if counts is not None}
        return {"count": acc["count"], "features": features, "value_counts": values}
