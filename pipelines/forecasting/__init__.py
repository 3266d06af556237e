"""Forecasting task: windows of a univariate series -> the next `horizon` values.

Implements the TaskModule interface of tfpipe.task. Heavy modules are imported
inside the functions so loading this package for a cache check stays fast.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from tfpipe.errors import InputError

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


def default_data(directory: str, config: dict[str, Any]) -> str:
    """Write the book's seeded synthetic series (trend, seasonality, noise) as a CSV."""
    from tfpipe.pipelines.forecasting import series

    path = os.path.join(directory, "synthetic_series.csv")
    if not os.path.exists(path):
        os.makedirs(directory, exist_ok=True)
        staging = f"{path}.{os.getpid()}.tmp"
        series.write_series_csv(staging, series.synthetic_series(seed=config["seed"]))
        os.replace(staging, path)
    return path


def precheck(data: str, params: dict[str, Any]) -> None:
    """File exists, is a non-empty CSV, and has the configured columns."""
    from tfpipe.pipelines.forecasting import series

    if not os.path.isfile(data):
        raise InputError(f"{data}: file not found (pass --data PATH to a CSV file)")
    try:
        header = series.read_header(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{data}: {error}") from None
    for key in ("time_column", "value_column"):
        if params[key] not in header:
            raise InputError(f"{data}: column {params[key]!r} ({key}) not found; columns are "
                             f"{header}; set it with --set {key}=NAME")


def read_examples(root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
    """Beam: CSV -> train/eval windows and quarantined rows."""
    from tfpipe.pipelines.forecasting.ingest import ReadWindowExamples

    return root | "ReadWindowExamples" >> ReadWindowExamples(data, params)


def raw_feature_spec(params: dict[str, Any]) -> dict[str, Any]:
    """Parsing spec of ingested window examples."""
    from tfpipe.pipelines.forecasting import preprocessing

    return preprocessing.raw_feature_spec(params)


def preprocessing_fn(params: dict[str, Any]) -> Callable[[dict], dict]:
    """Scale windows and targets by the train split's mean and std."""
    from tfpipe.pipelines.forecasting import preprocessing

    return preprocessing.preprocessing_fn_for(params)


def build_model(params: dict[str, Any], tft_output: Any) -> Any:
    """Dense or Conv1D+LSTM forecaster."""
    from tfpipe.pipelines.forecasting import model

    return model.build_model(params)


def model_inputs(transformed: dict[str, Any]) -> Any:
    """Scaled window."""
    return transformed["window_scaled"]


def model_label(transformed: dict[str, Any]) -> Any:
    """Scaled targets."""
    return transformed["target_scaled"]


def serving_input_spec(params: dict[str, Any]) -> dict[str, Any]:
    """A batch of raw windows in original units."""
    from tfpipe.pipelines.forecasting import preprocessing

    return preprocessing.serving_input_spec(params)


def serving_outputs(predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
    """Forecasts in original units."""
    from tfpipe.pipelines.forecasting import preprocessing

    return preprocessing.serving_outputs(predictions, transformed)


def eval_inputs(raw: dict[str, Any]) -> dict[str, Any]:
    """serving_default inputs from raw eval examples."""
    return {"window": raw["window"]}


def eval_labels(raw: dict[str, Any]) -> Any:
    """Targets in original units."""
    return raw["target"]


def eval_predictions(outputs: dict[str, Any]) -> Any:
    """The forecast output."""
    return outputs["forecast"]


def metrics(labels: Any, predictions: Any) -> dict[str, float]:
    """MAE and RMSE."""
    from tfpipe.pipelines.forecasting import scoring

    return scoring.metrics(labels, predictions)


def baselines(raw: dict[str, Any], statistics: dict[str, Any],
              params: dict[str, Any]) -> dict[str, Any]:
    """Naive, moving average and (when configured) seasonal naive forecasts."""
    from tfpipe.pipelines.forecasting import scoring

    return scoring.baseline_predictions(raw, params)


def value_checks(candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                 params: dict[str, Any]) -> list[Any]:
    """mae <= (1 - margin) * best baseline mae."""
    from tfpipe.components.blessing import relative_to_baseline

    return [relative_to_baseline("mae", candidate["mae"], baselines, params["margin"])]


def plots(raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
    """Forecast against actuals over the eval range."""
    from tfpipe.pipelines.forecasting import charts

    return [charts.forecast_vs_actual(raw, predictions, directory)]
