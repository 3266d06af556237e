"""Forecasting task: windows of a univariate series -> the next `horizon` values.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from tfpipe.errors import InputError
from tfpipe.settings import Settings, key
from tfpipe.task import TaskInfo

NAME = "forecasting"
PRIMARY_METRIC = "mae"
# Early stopping validates on the latest train windows, as a forecast is used, not a sample.
VALIDATION_ORDER = "target_index"
MAX_WINDOW = 100_000


@dataclass(frozen=True)
class ForecastingSettings(Settings):
    """Every forecasting key: columns, split, windows, baselines, model and training."""

    time_column: str = "time"
    value_column: str = "value"
    split_index: int | None = key(None, at_least=1)     # first eval row; None: split_fraction
    split_fraction: float = key(0.8, above=0.0, below=1.0)
    window_size: int = key(20, at_least=1, at_most=MAX_WINDOW)
    horizon: int = key(1, at_least=1, at_most=MAX_WINDOW)
    seasonal_period: int | None = key(None, at_least=1, at_most=MAX_WINDOW)
    moving_average_window: int | None = key(None, at_least=1, at_most=MAX_WINDOW)
    model: str = key("conv_lstm", choices=("dense", "conv_lstm"))
    ensemble_size: int = key(3, at_least=1, at_most=100)
    units: int = key(32, at_least=1, at_most=100_000)
    filters: int = key(32, at_least=1, at_most=100_000)
    epochs: int = key(40, at_least=1, at_most=100_000)
    batch_size: int = key(32, at_least=1, at_most=1_000_000)
    learning_rate: float = key(0.001, above=0.0, at_most=10.0)
    patience: int = key(10, at_least=0, at_most=100_000)
    validation_fraction: float = key(0.1, at_least=0.0, below=1.0)
    margin: float = key(0.05, at_least=0.0, below=1.0)

    def check(self) -> None:
        """A seasonal period must cover the horizon."""
        if self.seasonal_period is not None and self.horizon > self.seasonal_period:
            raise InputError(f"config seasonal_period={self.seasonal_period}: must be >= "
                             f"horizon ({self.horizon})")


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


TASK = TaskInfo(name=NAME, settings=ForecastingSettings, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC,
                implementation="tfpipe.pipelines.forecasting.task:ForecastingTask",
                summary="windows of a univariate series -> the next `horizon` values")
