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


class BarCallback(keras.callbacks.Callback):
    """Advances a progress bar (tfpipe.progress.Bar) per batch; the epoch and losses in its text."""

    def __init__(self, bar: Any, epochs: int, steps_hint: int) -> None:
        super().__init__()
        self.bar = bar
        self.epochs = epochs
        self.steps = max(steps_hint, 1)  # batches per epoch; counted exactly after epoch 1
        self.seen = 0
        self.epoch = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        steps = (self.params or {}).get("steps")
        if steps:
            self.steps = int(steps)
        self.bar.update(description=f"train: epoch 1/{self.epochs}",
                        total=self.epochs * self.steps)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch
        self.seen = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.seen += 1
        self.bar.advance(1)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if epoch == 0 and self.seen:
            self.steps = self.seen
        values = " ".join(f"{k}={v:.4g}" for k, v in (logs or {}).items() if "loss" in k)
        self.bar.update(description=f"train: epoch {min(epoch + 2, self.epochs)}/{self.epochs}",
                        total=self.epochs * self.steps, status=values)
        self.bar.goto((epoch + 1) * self.steps)  # exact after an estimated first epoch
