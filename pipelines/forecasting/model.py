"""Keras models for windowed forecasting, after the book's sequence chapters."""
from __future__ import annotations

from typing import Any

import keras


def build_model(params: dict[str, Any]) -> keras.Model:
    """A dense network or the book's causal Conv1D + LSTM stack, selected by `model`."""
    window, horizon = params["window_size"], params["horizon"]
    inputs = keras.Input(shape=(window,), name="window_scaled")
    kind = params["model"]
    if kind == "dense":
        x = keras.layers.Dense(params["units"], activation="relu")(inputs)
        x = keras.layers.Dense(params["units"], activation="relu")(x)
    elif kind == "conv_lstm":
        x = keras.layers.Reshape((window, 1))(inputs)
        x = keras.layers.Conv1D(params["filters"], kernel_size=5, padding="causal",
                                activation="relu")(x)
        x = keras.layers.LSTM(params["units"], return_sequences=True)(x)
        x = keras.layers.LSTM(params["units"])(x)
        x = keras.layers.Dense(30, activation="relu")(x)
        x = keras.layers.Dense(10, activation="relu")(x)
    else:
        raise ValueError(f"unknown model {kind!r}; choose dense or conv_lstm")
    outputs = keras.layers.Dense(horizon, name="forecast")(x)
    model = keras.Model(inputs, outputs, name=f"forecasting_{kind}")
    model.compile(optimizer=keras.optimizers.Adam(params["learning_rate"]),
                  loss=keras.losses.Huber(), metrics=["mae"])
    return model
