"""An MLflow pyfunc over a TF SavedModel's `serving_default` (an MLflow models-from-code file).

MLflow stores this file itself, not a pickled object, and runs it on load; it imports only
MLflow, numpy and TensorFlow, so the logged model loads without tfpipe installed.
"""
from __future__ import annotations

from typing import Any

import mlflow
import numpy as np
from mlflow.pyfunc import PythonModel

SAVED_MODEL_ARTIFACT = "saved_model"


def _as_text(value: np.ndarray) -> np.ndarray:
    """String tensors as Python str (JSON-able); other arrays unchanged."""
    if value.dtype.kind in "OS":
        return np.vectorize(lambda item: item.decode("utf-8", "replace")
                            if isinstance(item, bytes) else item, otypes=[object])(value)
    return value


class SavedModelPyfunc(PythonModel):
    """predict(dict of input arrays) -> dict of output arrays, through serving_default."""

    def load_context(self, context: Any) -> None:
        """Load the SavedModel the model's artifacts hold."""
        import tensorflow as tf

        self._loaded = tf.saved_model.load(context.artifacts[SAVED_MODEL_ARTIFACT])
        self._signature = self._loaded.signatures["serving_default"]
        self._specs = self._signature.structured_input_signature[1]

    # No type hints: MLflow would read them as an input schema besides the logged signature.
    def predict(self, context, model_input, params=None):
        """Call serving_default on named inputs (a dict, a DataFrame, or one array)."""
        import tensorflow as tf

        if isinstance(model_input, np.ndarray) and len(self._specs) == 1:
            model_input = {next(iter(self._specs)): model_input}
        elif hasattr(model_input, "columns"):  # pandas DataFrame: one column per input
            model_input = {name: np.stack(list(model_input[name])) if
                           model_input[name].dtype == object and
                           isinstance(model_input[name].iloc[0], (list, np.ndarray))
                           else model_input[name].to_numpy() for name in model_input.columns}
        missing = sorted(set(self._specs) - set(model_input))
        if missing:
            raise ValueError(f"missing inputs {missing}; the model takes {sorted(self._specs)}")
        feed = {name: tf.constant(np.asarray(model_input[name]), dtype=spec.dtype)
                for name, spec in self._specs.items()}
        return {name: _as_text(value.numpy()) for name, value in self._signature(**feed).items()}


mlflow.models.set_model(SavedModelPyfunc())
