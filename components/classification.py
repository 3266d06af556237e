"""Task-agnostic classification scoring in numpy: metrics, confusion matrix, majority baseline.

Two inputs are scored: class indices with probability rows (text) and class names (vision);
both go through one confusion matrix and one per-class precision/recall/F1.
matplotlib is imported only inside confusion_matrix_figure (drawn through tfpipe.figures).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Mapping, Sequence, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from tfpipe import figures
from tfpipe.components.blessing import Check, relative_to_baseline, value_check

MAJORITY = "majority"

K = TypeVar("K", str, int)  # class labels: names or indices (min() breaks ties)


# --- inputs -------------------------------------------------------------------------------

def check_label_probabilities(labels: np.ndarray, probabilities: np.ndarray,
                              empty: str = "cannot score an empty eval set"
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Validate shapes: labels [n] ints within the columns of probabilities [n, classes]."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] != labels.shape[0]:
        raise ValueError(f"probabilities shape {probabilities.shape} does not match "
                         f"{labels.shape[0]} labels")
    if labels.size == 0:
        raise ValueError(empty)
    if labels.min() < 0 or labels.max() >= probabilities.shape[1]:
        raise ValueError(f"labels must be in [0, {probabilities.shape[1]}), "
                         f"got range [{labels.min()}, {labels.max()}]")
    return labels, probabilities


def name_indices(y_true: Sequence[str], y_pred: Sequence[str], class_names: Sequence[str]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Indices of true and predicted names in class_names; an unknown prediction is -1."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    index = {name: i for i, name in enumerate(class_names)}
    unknown = sorted(set(y_true) - set(index))
    if unknown:
        raise ValueError(f"true labels {unknown[:5]} are not among the classes {list(index)}")
    return (np.array([index[t] for t in y_true], dtype=np.int64),
            np.array([index.get(p, -1) for p in y_pred], dtype=np.int64))


def metric_suffix(name: str) -> str:
    """A class name made safe for metric keys (lower-case, [a-z0-9_.-])."""
    return re.sub(r"[^a-z0-9_.-]+", "_", name.lower()).strip("_") or "class"


def metric_classes(labels: Sequence[str]) -> list[str]:
    """The classes present in the true labels, numeric names in numeric order."""
    return sorted({str(v) for v in labels},
                  key=lambda n: (0, int(n), "") if n.lstrip("-").isdigit() else (1, 0, n))


# --- confusion matrix and per-class scores ---------------------------------------------------

def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts[i, j] of true class i predicted as class j (predictions outside the classes
    dropped)."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.int64).reshape(-1)
    known = (predicted >= 0) & (predicted < num_classes)
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels[known], predicted[known]), 1)
    return matrix


def named_confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str],
                           class_names: Sequence[str]) -> np.ndarray:
    """confusion_matrix on class names (unknown predictions dropped, unknown truth rejected)."""
    return confusion_matrix(*name_indices(y_true, y_pred, class_names), len(class_names))


def per_class_scores(matrix: np.ndarray) -> np.ndarray:
    """[classes, 3]: precision, recall and F1 of each class (0 where undefined)."""
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    rows = []
    for i in range(matrix.shape[0]):
        hits = matrix[i, i]
        precision = float(hits / predicted[i]) if predicted[i] else 0.0
        recall = float(hits / actual[i]) if actual[i] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((precision, recall, f1))
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


# --- metrics ---------------------------------------------------------------------------------

def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC for 0/1 labels (Mann-Whitney, ties count half); NaN when one class is absent."""
    labels = np.asarray(labels).reshape(-1).astype(bool)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    start = 0
    while start < len(scores):
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0)
                 / (positives * negatives))


def top_k_accuracy(labels: np.ndarray, probabilities: np.ndarray, k: int,
                   empty: str = "cannot score an empty eval set") -> float:
    """Share of labels among the k most probable ids (ties broken by lower id)."""
    labels, probabilities = check_label_probabilities(labels, probabilities, empty)
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(order == labels[:, None], axis=1)))


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """From label indices and probability rows: accuracy, precision, recall, f1 (class 1 when
    binary, else the macro mean over all classes) and roc_auc (binary only)."""
    labels, probabilities = check_label_probabilities(labels, probabilities)
    predicted = probabilities.argmax(axis=1)
    num_classes = probabilities.shape[1]
    scores = per_class_scores(confusion_matrix(labels, predicted, num_classes))
    metrics = {"accuracy": float(np.mean(predicted == labels))}
    if num_classes == 2:
        precision, recall, f1 = (float(v) for v in scores[1])
        metrics["roc_auc"] = roc_auc(labels == 1, probabilities[:, 1])
    else:
        precision, recall, f1 = (float(v) for v in scores.mean(axis=0))
    metrics.update({"precision": precision, "recall": recall, "f1": f1})
    return metrics


def named_classification_metrics(y_true: Sequence[str], y_pred: Sequence[str],
                                 class_names: Sequence[str]) -> dict[str, float]:
    """From class names: accuracy, precision_<class>/recall_<class>, and macro_precision,
    macro_recall over the classes present in y_true."""
    if not len(y_true):
        raise ValueError("no examples to score")
    matrix = named_confusion_matrix(y_true, y_pred, class_names)
    scores = per_class_scores(matrix)
    actual = matrix.sum(axis=1)
    metrics = {"accuracy": int(np.trace(matrix)) / len(y_true)}
    for i, name in enumerate(class_names):
        metrics[f"precision_{metric_suffix(name)}"] = float(scores[i, 0])
        metrics[f"recall_{metric_suffix(name)}"] = float(scores[i, 1])
    present = actual > 0
    metrics["macro_precision"] = float(np.mean(scores[present, 0]))
    metrics["macro_recall"] = float(np.mean(scores[present, 1]))
    return metrics


# --- majority baseline -----------------------------------------------------------------------

def majority_from_counts(counts: Mapping[K, int]) -> K:
    """The most frequent label (ties: the smallest, for stability)."""
    if not counts or not any(counts.values()):
        raise ValueError("no training labels to find a majority class in")
    top = max(counts.values())
    return min(name for name, count in counts.items() if count == top)


def majority_class(train_labels: Sequence[K]) -> K:
    """The most frequent of the given training labels."""
    return majority_from_counts(Counter(train_labels))


def majority_probabilities(counts: ArrayLike, n: int) -> np.ndarray:
    """Baseline scores [n, classes] from train counts per class index: probability 1 on the
    most frequent class (lowest index on ties)."""
    per_class = np.asarray(counts, dtype=np.int64).reshape(-1)
    majority = majority_from_counts(dict(enumerate(per_class.tolist())))
    probabilities = np.zeros((n, per_class.size), dtype=np.float64)
    probabilities[:, majority] = 1.0
    return probabilities


# --- chart -----------------------------------------------------------------------------------

def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str,
                          title: str = "Confusion matrix") -> str:
    """Write the matrix as an annotated PNG heat map; return the path."""
    figures.save(confusion_matrix_figure, (np.asarray(matrix), list(class_names), title), path)
    return path


def confusion_matrix_figure(matrix: np.ndarray, class_names: Sequence[str], title: str) -> Any:
    """The matplotlib figure of `plot_confusion_matrix`."""
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
    return figure


def accuracy_checks(candidate: Mapping[str, float], baselines: dict[str, dict[str, float]],
                    margin: float, min_accuracy: float) -> list[Check]:
    """accuracy >= (1 + margin) * the best baseline's, and >= min_accuracy when above 0."""
    checks = [relative_to_baseline("accuracy", candidate["accuracy"], baselines, margin)]
    if min_accuracy > 0:
        checks.append(value_check(f"accuracy >= min_accuracy {min_accuracy:g}", "accuracy",
                                  candidate["accuracy"], min_accuracy, "min_accuracy"))
    return checks
