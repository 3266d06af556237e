"""Evaluation plot for generation: top-1 and top-5 accuracy of candidate and baselines."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from tfpipe import figures
from tfpipe.pipelines.text_generation.scoring import metrics_from_stats


def accuracy_bars(predictions: dict[str, Any], directory: str) -> str:
    """Write next_word_accuracy.png; return its file name."""
    name = "next_word_accuracy.png"
    figures.save(accuracy_figure, (predictions,), os.path.join(directory, name), dpi=90)
    return name


def accuracy_figure(predictions: dict[str, Any]) -> Any:
    """The matplotlib figure of `accuracy_bars`: top-1 and top-5 bars per model."""
    import matplotlib.pyplot as plt

    names = list(predictions)
    scores = [metrics_from_stats(np.asarray(predictions[n])) for n in names]
    positions = np.arange(len(names))
    figure, axis = plt.subplots(figsize=(2 + 1.5 * len(names), 3.5))
    for offset, key in ((-0.2, "top1_accuracy"), (0.2, "top5_accuracy")):
        axis.bar(positions + offset, [s[key] for s in scores], width=0.4, label=key)
    axis.set_xticks(positions, names)
    axis.set_ylabel("share of next words")
    axis.set_title("next-word accuracy on eval lines")
    axis.legend()
    figure.tight_layout()
    return figure
