"""What a task tells the device export: its device model's inputs, outputs and files."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class DeviceSpec:
    """How a task's model runs on a device (TFLite), built from the trained model's parts.

    The device function is `outputs(model(model_inputs(transform(raw_features(inputs)))))`:
    with `raw_features` the transform graph is folded into the device model (only where
    TFLite's built-in ops can run it); without it the device inputs are the transform's
    outputs and the app computes them (e.g. token ids from the shipped vocabulary).
    """

    inputs: dict[str, Any]                        # name -> tf.TensorSpec, batch dimension None
    outputs: Callable[[Any, dict[str, Any]], dict[str, Any]]  # predictions, transformed -> out
    eval_inputs: Callable[[dict[str, Any]], dict[str, Any]]   # raw eval numpy -> device inputs
    eval_predictions: Callable[[dict[str, Any]], Any]         # device outputs -> metric input
    description: dict[str, Any]                   # inputs and outputs, for a mobile developer
    raw_features: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Device inputs -> the Keras model's inputs when they are not the transform's outputs as
    # the task's model_inputs hook reads them (e.g. dense token ids instead of sparse ones).
    model_inputs: Callable[[dict[str, Any]], Any] | None = None
    files: dict[str, str] = field(default_factory=dict)  # file name -> text shipped beside
