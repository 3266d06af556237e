"""Forecasting baselines and metrics on raw eval windows, in original units."""
from __future__ import annotations

import numpy as np

from tfpipe.pipelines.forecasting import ForecastingSettings


def naive(window: np.ndarray, horizon: int) -> np.ndarray:
    """Last observed value, repeated over the horizon."""
    return np.repeat(window[:, -1:], horizon, axis=1)


def moving_average(window: np.ndarray, horizon: int, span: int) -> np.ndarray:
    """Mean of the last `span` values, repeated over the horizon."""
    return np.repeat(window[:, -span:].mean(axis=1, keepdims=True), horizon, axis=1)


def moving_average_span(settings: ForecastingSettings) -> int:
    """The moving-average baseline's span: moving_average_window, else the whole window."""
    return settings.moving_average_window or settings.window_size


def baseline_predictions(raw: dict[str, np.ndarray], settings: ForecastingSettings) -> dict:
    """Every configured baseline's forecasts for the eval windows."""
    horizon = settings.horizon
    span = moving_average_span(settings)
    result = {"naive": naive(raw["window"], horizon),
              "moving_average": moving_average(raw["window"], horizon, span)}
    if settings.seasonal_period:
        result["seasonal_naive"] = raw["seasonal_naive"]
    return result


def metrics(targets: np.ndarray, forecasts: np.ndarray) -> dict[str, float]:
    """MAE and RMSE over every target step."""
    errors = np.asarray(forecasts, dtype="float64") - np.asarray(targets, dtype="float64")
    return {"mae": float(np.mean(np.abs(errors))), "rmse": float(np.sqrt(np.mean(errors ** 2)))}
