"""Classification scoring on class names: metrics, confusion counts, majority baseline."""
from __future__ import annotations

import re
from collections import Counter
from typing import Mapping, Sequence

import numpy as np


def metric_suffix(name: str) -> str:
    """A class name made safe for metric keys (lower-case, [a-z0-9_.-])."""
    return re.sub(r"[^a-z0-9_.-]+", "_", name.lower()).strip("_") or "class"


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str],
                     class_names: Sequence[str]) -> np.ndarray:
    """Counts[i, j] of true class i predicted as class j (unknown predictions dropped)."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    index = {name: i for i, name in enumerate(class_names)}
    unknown = sorted(set(y_true) - set(index))
    if unknown:
        raise ValueError(f"true labels {unknown[:5]} are not among the classes {list(index)}")
    matrix = np.zeros((len(class_names), len(class_names)), dtype=np.int64)
    for true, pred in zip(y_true, y_pred):
        if pred in index:
            matrix[index[true], index[pred]] += 1
    return matrix


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str],
                           class_names: Sequence[str]) -> dict[str, float]:
    """accuracy, macro_precision, macro_recall, and precision_<class>/recall_<class>."""
    if not len(y_true):
        raise ValueError("no examples to score")
    matrix = confusion_matrix(y_true, y_pred, class_names)
    correct = sum(t == p for t, p in zip(y_true, y_pred))
    metrics = {"accuracy": correct / len(y_true)}
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    precisions, recalls = [], []
    for i, name in enumerate(class_names):
        precision = matrix[i, i] / predicted[i] if predicted[i] else 0.0
        recall = matrix[i, i] / actual[i] if actual[i] else 0.0
        metrics[f"precision_{metric_suffix(name)}"] = float(precision)
        metrics[f"recall_{metric_suffix(name)}"] = float(recall)
        if actual[i]:
            precisions.append(precision)
            recalls.append(recall)
    metrics["macro_precision"] = float(np.mean(precisions))
    metrics["macro_recall"] = float(np.mean(recalls))
    return metrics


def metric_classes(labels: Sequence[str]) -> list[str]:
    """The classes present in the true labels, numeric names in numeric order."""
    return sorted({str(v) for v in labels},
                  key=lambda n: (0, int(n), "") if n.lstrip("-").isdigit() else (1, 0, n))


MAJORITY = "majority"


def majority_from_counts(counts: Mapping[str, int]) -> str:
    """The most frequent label (ties: the smallest name, for stability)."""
    if not counts or not any(counts.values()):
        raise ValueError("no training labels to find a majority class in")
    top = max(counts.values())
    return min(name for name, count in counts.items() if count == top)


def majority_class(train_labels: Sequence[str]) -> str:
    """The most frequent of the given training labels."""
    return majority_from_counts(Counter(train_labels))
