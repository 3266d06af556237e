"""Evaluation plots for forecasting."""
from __future__ import annotations

import os
from typing import Any

import numpy as np


def forecast_vs_actual(raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> str:
    """PNG of actual values and every model's first-step forecast over the eval range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = np.argsort(raw["target_index"])
    steps = raw["target_index"][order]
    figure, axes = plt.subplots(figsize=(11, 4.5))
    axes.plot(steps, raw["target"][order, 0], label="actual", color="black", linewidth=1.5)
    for name, values in predictions.items():
        axes.plot(steps, np.asarray(values)[order, 0], label=name, linewidth=1)
    axes.set_xlabel("time index")
    axes.set_ylabel("value")
    axes.set_title("Forecast vs actual on the eval range")
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    name = "forecast_vs_actual.png"
    figure.savefig(os.path.join(directory, name), dpi=100)
    plt.close(figure)
    return name
