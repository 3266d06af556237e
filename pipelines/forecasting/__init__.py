"""Forecasting task: windows of a univariate series -> the next `horizon` values.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

from typing import Any

from tfpipe.errors import InputError
from tfpipe.task import TaskInfo

NAME = "forecasting"
PRIMARY_METRIC = "mae"
# Early stopping validates on the latest train windows, as a forecast is used, not a sample.
VALIDATION_ORDER = "target_index"
DEFAULTS: dict[str, Any] = {
    "time_column": "time",
    "value_column": "value",
    "split_index": None,
    "split_fraction": 0.8,
    "window_size": 20,
    "horizon": 1,
    "seasonal_period": None,
    "moving_average_window": None,
    "model": "conv_lstm",
    "ensemble_size": 3,
    "units": 32,
    "filters": 32,
    "epochs": 40,
    "batch_size": 32,
    "learning_rate": 0.001,
    "patience": 10,
    "validation_fraction": 0.1,
    "margin": 0.05,
}
TYPES: dict[str, type] = {"split_index": int, "seasonal_period": int,
                          "moving_average_window": int}
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": ("time_column", "value_column", "split_index", "split_fraction", "window_size",
               "horizon", "seasonal_period"),
    "transform": ("window_size", "horizon", "seasonal_period"),
    "train": ("window_size", "horizon", "seasonal_period", "model", "ensemble_size", "units",
              "filters",
              "epochs", "batch_size", "learning_rate", "patience", "validation_fraction",
              "seed"),
    "evaluate": ("window_size", "horizon", "seasonal_period", "moving_average_window",
                 "margin", "champion_relative_tolerance", "champion_absolute_tolerance",
                 "force_bless"),
}


def validate_config(config: dict[str, Any]) -> None:
    """Reject configs that cannot produce windows or baselines."""
    for key in ("window_size", "horizon", "epochs", "batch_size", "ensemble_size"):
        if not isinstance(config[key], int) or config[key] < 1:
            raise InputError(f"config {key}={config[key]!r}: must be a positive integer")
    if config["model"] not in {"dense", "conv_lstm"}:
        raise InputError(f"config model={config['model']!r}: choose dense or conv_lstm")
    period = config["seasonal_period"]
    if period is not None and (period < 1 or config["horizon"] > period):
        raise InputError(f"config seasonal_period={period}: must be >= 1 and >= horizon")
    if config["split_index"] is None and not 0 < config["split_fraction"] < 1:
        raise InputError(f"config split_fraction={config['split_fraction']}: must be in (0, 1)")


TASK = TaskInfo(name=NAME, defaults=DEFAULTS, types=TYPES, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC, validate_config=validate_config,
                implementation="tfpipe.pipelines.forecasting.task:ForecastingTask",
                summary="windows of a univariate series -> the next `horizon` values")
