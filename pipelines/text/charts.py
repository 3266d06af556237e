"""Evaluation plots for text classification: the candidate's confusion matrix."""
from __future__ import annotations

import os

import numpy as np


def confusion_matrix(labels: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Counts [true, predicted]."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    predicted = np.asarray(probabilities).argmax(axis=1)
    size = np.asarray(probabilities).shape[1]
    matrix = np.zeros((size, size), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def confusion_plot(labels: np.ndarray, probabilities: np.ndarray, names: list[str],
                   directory: str) -> str:
    """Write confusion_matrix.png; return its file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = confusion_matrix(labels, probabilities)
    figure, axis = plt.subplots(figsize=(1.2 * len(names) + 2.5, 1.2 * len(names) + 2))
    axis.imshow(matrix, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        axis.text(j, i, str(value), ha="center", va="center")
    axis.set_xticks(range(len(names)), names)
    axis.set_yticks(range(len(names)), names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title("candidate on the eval split")
    figure.tight_layout()
    name = "confusion_matrix.png"
    figure.savefig(os.path.join(directory, name), dpi=90)
    plt.close(figure)
    return name
