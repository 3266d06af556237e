"""Task-agnostic charts: learning curves, and the candidate against every baseline."""
from __future__ import annotations

import os
from typing import Any, Mapping

from tfpipe import figures
from tfpipe.components.blessing import LOWER_IS_BETTER

FILE_NAME = "candidate_vs_baselines.png"
CANDIDATE_COLOR = "#1f77b4"
BASELINE_COLOR = "#b0b0b0"


def candidate_vs_baselines(candidate: Mapping[str, float],
                           baselines: Mapping[str, Mapping[str, float]],
                           directory: str) -> str:
    """PNG with one bar panel per metric (candidate highlighted, values printed); its name."""
    figures.save(candidate_vs_baselines_figure, (dict(candidate), dict(baselines)),
                 os.path.join(directory, FILE_NAME))
    return FILE_NAME


def candidate_vs_baselines_figure(candidate: Mapping[str, float],
                                  baselines: Mapping[str, Mapping[str, float]]) -> Any:
    """The matplotlib figure of `candidate_vs_baselines`."""
    import matplotlib.pyplot as plt

    metrics = sorted(candidate)
    models = ["candidate", *sorted(baselines)]
    width = 3.2 * len(metrics)
    # One shared model axis and no x ticks (each bar prints its value), laid out by hand:
    # tight_layout drew the figure an extra time, and the panels' repeated labels doubled
    # the text to draw.
    figure, axes = plt.subplots(1, len(metrics), figsize=(width, 0.45 * len(models) + 1.3),
                                squeeze=False, sharey=True)
    for axis, metric in zip(axes[0], metrics):
        values = [candidate[metric], *(baselines[name].get(metric, float("nan"))
                                       for name in models[1:])]
        colors = [CANDIDATE_COLOR] + [BASELINE_COLOR] * (len(models) - 1)
        bars = axis.barh(models, values, color=colors)
        axis.bar_label(bars, labels=[f"{v:.4g}" for v in values], padding=3, fontsize=8)
        better = "lower" if metric in LOWER_IS_BETTER else "higher"
        axis.set_title(f"{metric}\n({better} is better)", fontsize=9)
        axis.set_xticks([])
        axis.margins(x=0.3)
    axes[0][0].invert_yaxis()  # shared: the candidate on top in every panel
    label_inches = 0.25 + 0.09 * max(len(name) for name in models)
    figure.subplots_adjust(left=min(0.6, label_inches / width), right=0.98, top=0.7,
                           bottom=0.05, wspace=0.08)
    figure.suptitle("Candidate vs baselines on the eval split", fontsize=11)
    return figure


def learning_curves(history: dict[str, list[float]], path: str) -> str:
    """PNG of every training metric per epoch (train and validation side by side); its name."""
    figures.save(learning_curves_figure, (history,), path, dpi=90)
    return os.path.basename(path)


def learning_curves_figure(history: dict[str, list[float]]) -> Any:
    """The matplotlib figure of `learning_curves`."""
    import matplotlib.pyplot as plt

    names = sorted({k.removeprefix("val_") for k in history})
    figure, axes = plt.subplots(1, max(len(names), 1), figsize=(5 * max(len(names), 1), 3.5))
    axes = [axes] if len(names) <= 1 else list(axes)
    for ax, name in zip(axes, names):
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            if key in history:
                ax.plot(range(1, len(history[key]) + 1), history[key], label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.legend()
    figure.tight_layout()
    return figure
