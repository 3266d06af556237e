"""Next-word metrics over full probability rows in numpy: the reference for in-graph scoring."""
from __future__ import annotations

import numpy as np

from tfpipe.components import classification

_FLOOR = 1e-12
_EMPTY = "cannot score an empty set of next words"


def _check(labels: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """labels [n] ids within the [n, vocab] probabilities."""
    return classification.check_label_probabilities(labels, probabilities, empty=_EMPTY)


def top_k_accuracy(labels: np.ndarray, probabilities: np.ndarray, k: int) -> float:
    """Share of labels among the k most probable ids (ties broken by lower id)."""
    return classification.top_k_accuracy(labels, probabilities, k, empty=_EMPTY)


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
