"""Evaluation charts of the vision task."""
from __future__ import annotations

from typing import Sequence

import numpy as np


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
