"""Keras models for windowed forecasting, after the book's sequence chapters."""
from __future__ import annotations

from typing import Any

import keras
from keras import ops

from tfpipe.pipelines.forecasting import ForecastingSettings


@keras.saving.register_keras_serializable(package="tfpipe")
def ensemble_huber(y_true: Any, y_pred: Any) -> Any:
    """Huber loss of every member ([batch, members, horizon]) against the same targets."""
    return keras.losses.huber(ops.expand_dims(y_true, 1), y_pred)


@keras.saving.register_keras_serializable(package="tfpipe")
def ensemble_mae(y_true: Any, y_pred: Any) -> Any:
    """MAE of the members' mean forecast."""
    return ops.mean(ops.abs(ops.mean(y_pred, axis=1) - y_true), axis=-1)


def member(inputs: keras.KerasTensor, settings: ForecastingSettings, index: int) -> keras.KerasTensor:
    """One network: dense, or the book's causal Conv1D + 2 LSTM + Dense stack."""
    window, horizon, kind = settings.window_size, settings.horizon, settings.model
    name = f"member{index}"
    if kind == "dense":
        x = keras.layers.Dense(settings.units, activation="relu", name=f"{name}_dense1")(inputs)
        x = keras.layers.Dense(settings.units, activation="relu", name=f"{name}_dense2")(x)
    elif kind == "conv_lstm":
        x = keras.layers.Reshape((window, 1), name=f"{name}_reshape")(inputs)
        x = keras.layers.Conv1D(settings.filters, kernel_size=5, padding="causal",
                                activation="relu", name=f"{name}_conv")(x)
        x = keras.layers.LSTM(settings.units, return_sequences=True, name=f"{name}_lstm1")(x)
        x = keras.layers.LSTM(settings.units, name=f"{name}_lstm2")(x)
        x = keras.layers.Dense(30, activation="relu", name=f"{name}_dense1")(x)
        x = keras.layers.Dense(10, activation="relu", name=f"{name}_dense2")(x)
    else:
        raise ValueError(f"unknown model {kind!r}; choose dense or conv_lstm")
    return keras.layers.Dense(horizon, name=f"{name}_forecast")(x)


def build_model(settings: ForecastingSettings) -> keras.Model:
    """`ensemble_size` independently initialised members, output [batch, members, horizon].

    Each member is trained on its own loss (the loss is a mean over members, and a member's
    weights only reach its own slice), so one fit trains an ensemble; serving averages it.
    """
    window, horizon = settings.window_size, settings.horizon
    size = settings.ensemble_size
    inputs = keras.Input(shape=(window,), name="window_scaled")
    outputs = [keras.layers.Reshape((1, horizon), name=f"member{i}_stack")(
        member(inputs, settings, i)) for i in range(size)]
    stacked = outputs[0] if size == 1 else keras.layers.Concatenate(axis=1, name="members")(
        outputs)
    model = keras.Model(inputs, stacked, name=f"forecasting_{settings.model}")
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                  loss=ensemble_huber,
                  metrics=[keras.metrics.MeanMetricWrapper(ensemble_mae, name="mae")])
    return model
