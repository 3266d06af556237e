"""tf.Transform preprocessing for forecasting: scale by the train split's mean and std."""
from __future__ import annotations

from typing import Any, Callable

import tensorflow as tf
import tensorflow_transform as tft

from tfpipe.pipelines.forecasting import ForecastingSettings


def raw_feature_spec(settings: ForecastingSettings) -> dict[str, Any]:
    """Parsing spec of the examples ingest writes."""
    window, horizon = settings.window_size, settings.horizon
    spec = {"window": tf.io.FixedLenFeature([window], tf.float32),
            "target": tf.io.FixedLenFeature([horizon], tf.float32),
            "target_index": tf.io.FixedLenFeature([], tf.int64)}
    if settings.seasonal_period:
        spec["seasonal_naive"] = tf.io.FixedLenFeature([horizon], tf.float32)
    return spec


def serving_input_spec(settings: ForecastingSettings) -> dict[str, tf.TensorSpec]:
    """What serving_default takes: a batch of raw windows in original units."""
    return {"window": tf.TensorSpec([None, settings.window_size], tf.float32, name="window")}


def preprocessing_fn_for() -> Callable[[dict], dict]:
    """The preprocessing_fn; analyzers see only the train split; target_index passes through."""

    def preprocessing_fn(inputs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        window = inputs["window"]
        mean = tft.mean(window)
        std = tf.maximum(tf.sqrt(tft.var(window)), 1e-6)
        ones = tf.ones_like(window[:, :1])
        # target_index orders the windows in time for train's validation slice; serving
        # takes windows only and never computes it.
        return {"window_scaled": (window - mean) / std,
                "target_scaled": (inputs["target"] - mean) / std,
                "scale_mean": ones * mean,
                "scale_std": ones * std,
                "target_index": inputs["target_index"]}

    return preprocessing_fn


def serving_outputs(predictions: tf.Tensor, transformed: dict[str, tf.Tensor]) -> dict:
    """Average the ensemble members and undo the scaling: forecasts in original units."""
    mean_forecast = tf.reduce_mean(predictions, axis=1)
    return {"forecast": mean_forecast * transformed["scale_std"] + transformed["scale_mean"]}


def scaling_facts(tft_output: Any, settings: ForecastingSettings) -> dict[str, float]:
    """The mean and std the transform scales by, read by transforming one placeholder example."""
    spec = raw_feature_spec(settings)
    raw = {name: tf.zeros([1, *feature.shape], feature.dtype) for name, feature in spec.items()}
    transformed = tft_output.transform_raw_features(raw)
    return {"scale_mean": float(transformed["scale_mean"].numpy().reshape(-1)[0]),
            "scale_std": float(transformed["scale_std"].numpy().reshape(-1)[0])}
