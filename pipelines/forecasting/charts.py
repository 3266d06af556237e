"""Evaluation plots for forecasting."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from tfpipe import figures
from tfpipe.pipelines.forecasting.scoring import metrics

CANDIDATE_COLOR = "#1f77b4"
BASELINE_COLOR = "#ff7f0e"
FILE_NAME = "forecast_vs_actual.png"


def forecast_vs_actual(raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> str:
    """PNG of the candidate's first-step forecast against actuals and each baseline."""
    # Only the columns drawn, as arrays: `raw` may read columns lazily from the records.
    columns = {name: np.asarray(raw[name]) for name in ("target_index", "target")}
    forecasts = {name: np.asarray(values) for name, values in predictions.items()}
    figures.save(forecast_figure, (columns, forecasts), os.path.join(directory, FILE_NAME))
    return FILE_NAME


def forecast_figure(raw: dict[str, Any], predictions: dict[str, Any]) -> Any:
    """One panel per baseline: actual, that baseline, and the candidate drawn on top."""
    import matplotlib.pyplot as plt

    order = np.argsort(raw["target_index"])
    steps = raw["target_index"][order]
    actual = raw["target"][order, 0]
    candidate = np.asarray(predictions["candidate"])[order, 0]
    candidate_mae = metrics(raw["target"], predictions["candidate"])["mae"]
    baselines: list[str | None] = [name for name in predictions if name != "candidate"]
    panels = baselines or [None]
    figure, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                                figsize=(11, 2.8 * len(panels) + 0.6))
    for axis, name in zip(axes[:, 0], panels):
        axis.plot(steps, actual, label="actual", color="black", linewidth=1.0, zorder=1)
        title = f"candidate MAE {candidate_mae:.4g}"
        if name is not None:
            baseline = np.asarray(predictions[name])[order, 0]
            axis.plot(steps, baseline, label=name, color=BASELINE_COLOR, linewidth=1.0,
                      linestyle="--", zorder=2)
            title += f" vs {name} MAE {metrics(raw['target'], predictions[name])['mae']:.4g}"
        axis.plot(steps, candidate, label="candidate", color=CANDIDATE_COLOR, linewidth=1.6,
                  zorder=3)
        axis.set_title(title, fontsize=10)
        axis.set_ylabel("value")
        axis.legend(loc="upper left", fontsize=8)
    axes[-1, 0].set_xlabel("time index")
    figure.suptitle("First-step forecast on the eval range: candidate vs each baseline",
                    fontsize=11)
    figure.tight_layout()
    return figure
