"""Classification metrics on class names: accuracy, per-class precision/recall, confusion."""
from __future__ import annotations

import re
from typing import Sequence

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


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str,
                          title: str = "Confusion matrix") -> str:
    """Write the matrix as an annotated PNG heat map (matplotlib, Agg); return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = max(4.0, 0.5 * len(class_names) + 2.0)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(class_names)), labels=list(class_names), rotation=45,
                    ha="right")
    axes.set_yticks(range(len(class_names)), labels=list(class_names))
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    threshold = matrix.max() / 2.0 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        axes.text(j, i, str(count), ha="center", va="center", fontsize=8,
                  color="white" if count > threshold else "black")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
