"""Keras callback that prints one progress line per epoch."""
from __future__ import annotations

import time
from typing import Any, Callable

import keras


class EpochLogger(keras.callbacks.Callback):
    """`epoch 3/40 loss=0.12 val_loss=0.10 (1.4s)` through the component's logger."""

    def __init__(self, log: Callable[[str], None], epochs: int) -> None:
        super().__init__()
        self.log = log
        self.epochs = epochs
        self.started = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        values = " ".join(f"{k}={v:.4g}" for k, v in (logs or {}).items())
        self.log(f"epoch {epoch + 1}/{self.epochs} {values} "
                 f"({time.perf_counter() - self.started:.1f}s)")
