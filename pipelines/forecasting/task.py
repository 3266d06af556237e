"""The forecasting task's hooks (tfpipe.task.Task); components load this module once."""
from __future__ import annotations

import glob
import os
from typing import Any, Callable

from tfpipe.components.blessing import relative_to_baseline
from tfpipe.errors import InputError
from tfpipe.pipelines.forecasting import (
    TASK,
    VALIDATION_ORDER,
    ForecastingSettings,
    charts,
    scoring,
    series,
)
from tfpipe.task import Task

# preprocessing and model (TensorFlow, Keras) are imported inside the hooks that use them:
# ingest runs this module in a forked child while the parent imports TensorFlow
# (tfpipe/warm_start.py), and the child must not import it too.


def check_windows(data: str, rows: int, settings: ForecastingSettings) -> None:
    """Both splits get a window from `rows` data rows, or InputError saying what to change.

    Counted before any work, as if every row were valid; rows quarantined later can still
    leave a split empty, which ingest reports.
    """
    if rows < 2:
        raise InputError(f"{data}: too short: {rows} data row(s) after the header; give a "
                         "series with one row per time step")
    try:
        split = series.resolve_split_index(rows, settings.split_index, settings.split_fraction)
    except ValueError as error:
        raise InputError(f"{data}: too short: {rows} data rows: {error}; give a longer "
                         "series or another split_index / split_fraction") from None
    train, evaluated = series.window_counts(rows, settings.window_size, settings.horizon,
                                            split, settings.seasonal_period)
    if not (train and evaluated):
        raise InputError(
            f"{data}: too short: {rows} data rows split at row {split} make {train} train "
            f"and {evaluated} eval windows (window_size={settings.window_size}, horizon={settings.horizon}"
            + (f", seasonal_period={settings.seasonal_period}" if settings.seasonal_period
               else "") + "); give a longer series or a smaller window_size, horizon"
            + (" or seasonal_period" if settings.seasonal_period else ""))


class ForecastingTask(Task[ForecastingSettings]):
    """forecasting: see tfpipe.task.Task for each hook's contract."""

    info = TASK
    validation_order = VALIDATION_ORDER
    plot_columns = ("target_index", "target")

    def default_data(self, directory: str, config: dict[str, Any]) -> str:
        """Write the book's seeded synthetic series (trend, seasonality, noise) as a CSV."""
        path = os.path.join(directory, "synthetic_series.csv")
        if not os.path.exists(path):
            os.makedirs(directory, exist_ok=True)
            staging = f"{path}.{os.getpid()}.tmp"
            series.write_series_csv(staging, series.synthetic_series(seed=config["seed"]))
            os.replace(staging, path)
        return path

    def filled_defaults(self, config: dict[str, Any]) -> dict[str, Any]:
        """moving_average_window defaults to window_size (see scoring.baseline_predictions)."""
        return {**config,
                "moving_average_window": scoring.moving_average_span(self.settings(config))}

    def precheck(self, data: str, params: dict[str, Any]) -> None:
        """File exists, is a non-empty CSV, and has the configured columns."""
        if os.path.isdir(data):
            raise InputError(f"{data}: is a folder; pass --data PATH to one CSV file")
        if glob.has_magic(data) and not os.path.exists(data):
            matches = len(glob.glob(data))
            raise InputError(f"{data}: is a pattern matching {matches} file(s); forecasting "
                             "reads one series from one CSV file: pass --data PATH to it")
        if not os.path.isfile(data):
            raise InputError(f"{data}: file not found (pass --data PATH to a CSV file)")
        try:
            header = series.read_header(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"{data}: {error}") from None
        settings = self.settings(params)
        for key in ("time_column", "value_column"):
            column = getattr(settings, key)
            if column not in header:
                raise InputError(f"{data}: column {column!r} ({key}) not found; columns are "
                                 f"{header}; set it with --set {key}=NAME")
        check_windows(data, series.count_rows(data), settings)

    def expected_examples(self, data: str, params: dict[str, Any]) -> int | None:
        """About one record per CSV row (a window or a quarantined row), less the first window."""
        return max(series.count_rows(data) - params["window_size"] - params["horizon"] + 1, 1)

    def read_examples(self, root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
        """Beam: CSV -> train/eval windows and quarantined rows."""
        from tfpipe.pipelines.forecasting.ingest import ReadWindowExamples  # Beam: not at load

        return root | "ReadWindowExamples" >> ReadWindowExamples(data, self.settings(params))

    def raw_feature_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """Parsing spec of ingested window examples."""
        from tfpipe.pipelines.forecasting import preprocessing

        return preprocessing.raw_feature_spec(self.settings(params))

    def preprocessing_fn(self, params: dict[str, Any]) -> Callable[[dict], dict]:
        """Scale windows and targets by the train split's mean and std."""
        from tfpipe.pipelines.forecasting import preprocessing

        return preprocessing.preprocessing_fn_for()

    def transform_facts(self, tft_output: Any, params: dict[str, Any]) -> dict[str, float]:
        """The train split's scaling mean and std."""
        from tfpipe.pipelines.forecasting import preprocessing

        return preprocessing.scaling_facts(tft_output, self.settings(params))

    def build_model(self, params: dict[str, Any], tft_output: Any) -> Any:
        """Dense or Conv1D+LSTM forecaster."""
        from tfpipe.pipelines.forecasting import model

        return model.build_model(self.settings(params))

    def model_inputs(self, transformed: dict[str, Any]) -> Any:
        """Scaled window."""
        return transformed["window_scaled"]

    def model_label(self, transformed: dict[str, Any]) -> Any:
        """Scaled targets."""
        return transformed["target_scaled"]

    def serving_input_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """A batch of raw windows in original units."""
        from tfpipe.pipelines.forecasting import preprocessing

        return preprocessing.serving_input_spec(self.settings(params))

    def serving_outputs(self, predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
        """Forecasts in original units."""
        from tfpipe.pipelines.forecasting import preprocessing

        return preprocessing.serving_outputs(predictions, transformed)

    def eval_inputs(self, raw: dict[str, Any]) -> dict[str, Any]:
        """serving_default inputs from raw eval examples."""
        return {"window": raw["window"]}

    def eval_labels(self, raw: dict[str, Any]) -> Any:
        """Targets in original units."""
        return raw["target"]

    def eval_predictions(self, outputs: dict[str, Any]) -> Any:
        """The forecast output."""
        return outputs["forecast"]

    def metrics(self, labels: Any, predictions: Any) -> dict[str, float]:
        """MAE and RMSE."""
        return scoring.metrics(labels, predictions)

    def baselines(self, raw: dict[str, Any], statistics: dict[str, Any],
                  params: dict[str, Any]) -> dict[str, Any]:
        """Naive, moving average and (when configured) seasonal naive forecasts."""
        return scoring.baseline_predictions(raw, self.settings(params))

    def value_checks(self, candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                     params: dict[str, Any]) -> list[Any]:
        """mae <= (1 - margin) * best baseline mae."""
        return [relative_to_baseline("mae", candidate["mae"], baselines,
                                     self.settings(params).margin)]

    def device_spec(self, tft_output: Any, params: dict[str, Any]) -> Any:
        """The window in original units -> the forecast (scaling folded in)."""
        from tfpipe.pipelines.forecasting.device import device_spec

        return device_spec(self.settings(params))

    def plots(self, raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
        """Forecast against actuals over the eval range."""
        return [charts.forecast_vs_actual(raw, predictions, directory)]

