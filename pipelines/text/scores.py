"""Classification metrics and the majority-class baseline, as plain numpy functions."""
from __future__ import annotations

import numpy as np


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


def _precision_recall_f1(labels: np.ndarray, predicted: np.ndarray, cls: int
                         ) -> tuple[float, float, float]:
    """Per-class precision, recall and F1 (0 where undefined)."""
    tp = float(np.sum((predicted == cls) & (labels == cls)))
    fp = float(np.sum((predicted == cls) & (labels != cls)))
    fn = float(np.sum((predicted != cls) & (labels == cls)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def classification_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """accuracy, precision, recall, f1 (class 1 when binary, else macro) and roc_auc (binary)."""
    labels, probabilities = check_label_probabilities(labels, probabilities)
    predicted = probabilities.argmax(axis=1)
    num_classes = probabilities.shape[1]
    metrics = {"accuracy": float(np.mean(predicted == labels))}
    if num_classes == 2:
        precision, recall, f1 = _precision_recall_f1(labels, predicted, 1)
        metrics["roc_auc"] = roc_auc(labels == 1, probabilities[:, 1])
    else:
        per_class = np.array([_precision_recall_f1(labels, predicted, c)
                              for c in range(num_classes)])
        precision, recall, f1 = (float(v) for v in per_class.mean(axis=0))
    metrics.update({"precision": precision, "recall": recall, "f1": f1})
    return metrics


def majority_probabilities(train_labels: np.ndarray, num_classes: int, n: int) -> np.ndarray:
    """Baseline scores: probability 1 on the most frequent train class (lowest id on ties)."""
    counts = np.bincount(np.asarray(train_labels, dtype=np.int64).reshape(-1),
                         minlength=num_classes)
    if counts.sum() == 0:
        raise ValueError("majority baseline needs at least one train label")
    probabilities = np.zeros((n, num_classes), dtype=np.float64)
    probabilities[:, int(np.argmax(counts))] = 1.0
    return probabilities
