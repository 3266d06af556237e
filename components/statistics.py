"""Beam CombineFn computing simple per-split statistics of dict examples."""
from __future__ import annotations

from typing import Any, Iterable

import apache_beam as beam
import numpy as np

_EMPTY = {"n": 0, "sum": 0.0, "sumsq": 0.0, "min": None, "max": None}


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
        return {"count": 0, "features": {}}

    def add_input(self, acc: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
        acc["count"] += 1
        for name, value in example.items():
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
        return {"count": acc["count"], "features": features}
