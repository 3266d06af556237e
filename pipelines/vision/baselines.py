"""Task baselines for classification: the majority class of the training split."""
from __future__ import annotations

from collections import Counter
from typing import Sequence

MAJORITY = "majority"


def majority_class(train_labels: Sequence[str]) -> str:
    """The most frequent training label (ties: the smallest name, for stability)."""
    if not train_labels:
        raise ValueError("no training labels to find a majority class in")
    counts = Counter(train_labels)
    top = max(counts.values())
    return min(name for name, count in counts.items() if count == top)


def majority_predictions(train_labels: Sequence[str], count: int) -> list[str]:
    """The majority class repeated for `count` eval examples."""
    return [majority_class(train_labels)] * count
