"""Next-word metrics over full probability rows in numpy: the reference for in-graph scoring."""
from __future__ import annotations

import numpy as np

_FLOOR = 1e-12


def _check(labels: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """labels [n] ids within the [n, vocab] probabilities."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] != labels.shape[0]:
        raise ValueError(f"probabilities shape {probabilities.shape} does not match "
                         f"{labels.shape[0]} labels")
    if labels.size == 0:
        raise ValueError("cannot score an empty set of next words")
    if labels.min() < 0 or labels.max() >= probabilities.shape[1]:
        raise ValueError(f"label ids must be in [0, {probabilities.shape[1]})")
    return labels, probabilities


def top_k_accuracy(labels: np.ndarray, probabilities: np.ndarray, k: int) -> float:
    """Share of labels among the k most probable ids (ties broken by lower id)."""
    labels, probabilities = _check(labels, probabilities)
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(order == labels[:, None], axis=1)))


def perplexity(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """exp of the mean negative log-probability of the true next word."""
    labels, probabilities = _check(labels, probabilities)
    picked = np.maximum(probabilities[np.arange(labels.size), labels], _FLOOR)
    return float(np.exp(-np.mean(np.log(picked))))


def next_word_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """top1_accuracy, top5_accuracy and perplexity."""
    return {"top1_accuracy": top_k_accuracy(labels, probabilities, 1),
            "top5_accuracy": top_k_accuracy(labels, probabilities, 5),
            "perplexity": perplexity(labels, probabilities)}
