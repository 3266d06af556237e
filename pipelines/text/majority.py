"""The majority-class baseline from the ingest statistics of the train split."""
from __future__ import annotations

from typing import Any

import numpy as np

from tfpipe.components.classification import majority_probabilities
from tfpipe.pipelines.text.features import LABEL_INDEX_KEY


def train_label_counts(statistics: dict[str, Any], num_classes: int) -> np.ndarray:
    """Counts of each label index in train, from the ingest summary statistics."""
    try:
        counts = statistics["splits"]["train"]["value_counts"][LABEL_INDEX_KEY]
    except KeyError:
        raise ValueError("ingest statistics lack train label counts; re-run ingest") from None
    array = np.zeros(num_classes, dtype=np.int64)
    for key, n in counts.items():
        index = int(key)
        if not 0 <= index < num_classes:
            raise ValueError(f"train label index {index} outside {num_classes} classes")
        array[index] = n
    return array


def majority_baseline(statistics: dict[str, Any], num_classes: int, n: int) -> np.ndarray:
    """Probabilities [n, classes]: all mass on the most frequent train class."""
    return majority_probabilities(train_label_counts(statistics, num_classes), n)


def num_classes_from(statistics: dict[str, Any], label_values: tuple[str, ...] | None) -> int:
    """The configured label count, else one more than the largest train label index."""
    if label_values:
        return len(label_values)
    counts = statistics["splits"]["train"]["value_counts"].get(LABEL_INDEX_KEY, {})
    if not counts:
        raise ValueError("ingest statistics lack train label counts; re-run ingest")
    return max(int(k) for k in counts) + 1
