"""SavedModel export: raw-feature serving_default plus a serialized tf.Example signature."""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import tensorflow as tf

from tfpipe.task import Task

EXAMPLES_SIGNATURE = "serving_examples"
# The Keras model is kept beside the SavedModel (TF Serving ignores assets.extra/) so a later
# run can use a pushed version as a transfer-learning base.
KERAS_MODEL_FILE = os.path.join("assets.extra", "model.keras")


def transform_function(tft_output: Any) -> tuple[Callable[[dict], dict], Any]:
    """The tf.Transform layer behind one tf.function, and the objects a SavedModel must track."""
    layer = tft_output.transform_features_layer()
    # Autograph is off: tf.Transform's graph code has no tensor-dependent Python control flow,
    # and converting it costs seconds. The returned plain function keeps the tf.function off
    # the module, where tf.saved_model.save would trace it again.
    traced = tf.function(layer, autograph=False)

    def transform(features: dict[str, Any]) -> dict[str, Any]:
        """Raw features to transformed features."""
        return traced(features)

    # Tracking the tf-keras layer itself makes tf.saved_model.save retrace it, with autograph,
    # for a Keras default signature nothing calls; its loader's objects (tables, vocabulary
    # assets) are all the signatures need.
    return transform, layer._saved_model_loader_tracked_dict


def tf_variables(keras_model: Any) -> list[Any]:
    """The tf.Variables behind a Keras 3 model's variables.

    Tracking the Keras variables themselves saves each twice: the graph the signatures read
    and a second, checkpointed copy. Eager loading maps one onto the other, but a graph-mode
    load (TF Serving's SavedModelBundle) restores only the copy and fails with "Could not find
    variable". Keras' own ExportArchive tracks `variable.value` for the same reason.
    """
    return [getattr(v, "value", v) if isinstance(v, keras.Variable) else v
            for v in keras_model.variables]


@dataclass(frozen=True)
class ServingParts:
    """What signatures are built from: the trained Keras model and the transform function."""

    model: Any
    transform: Callable[[dict], dict]


def build_serving_module(hooks: Task, keras_model: Any, tft_output: Any,
                         params: dict[str, Any]) -> tuple[tf.Module, dict[str, Any]]:
    """A tf.Module tracking the model's variables and the transform's, and its signatures."""
    transform, transform_resources = transform_function(tft_output)
    parts = ServingParts(model=keras_model, transform=transform)
    serving = tf.Module()
    # The variables, not the Keras model: tracking the model makes tf.saved_model.save also
    # trace and store the train and test step functions that fit compiled.
    serving.model_variables = tf_variables(keras_model)
    serving.transform_resources = transform_resources
    input_spec = hooks.serving_input_spec(params)
    raw_spec = hooks.raw_feature_spec(params)
    constants = {name: tf.constant(value)
                 for name, value in hooks.serving_constants(tft_output, params).items()}
    example_spec = (hooks.example_signature_spec(params)
                    or {k: raw_spec[k] for k in input_spec})

    def predict(features: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        transformed = parts.transform(features)
        predictions = parts.model(hooks.model_inputs(transformed), training=False)
        return hooks.serving_outputs(predictions, {**transformed, **constants})

    @tf.function(autograph=False)
    def serve_raw(**raw: tf.Tensor) -> dict[str, tf.Tensor]:
        return predict(hooks.serving_features(raw, params))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")],
                 autograph=False)
    def serve_examples(examples: tf.Tensor) -> dict[str, tf.Tensor]:
        return predict(tf.io.parse_example(examples, example_spec))

    signatures = {"serving_default": serve_raw.get_concrete_function(**input_spec),
                  EXAMPLES_SIGNATURE: serve_examples.get_concrete_function()}
    signatures.update(hooks.extra_signatures(parts, tft_output, params))
    return serving, signatures


def save_serving_model(hooks: Task, keras_model: Any, tft_output: Any,
                       params: dict[str, Any], directory: str) -> None:
    """Write a SavedModel whose signatures embed the transform graph, plus the Keras model."""
    serving, signatures = build_serving_module(hooks, keras_model, tft_output, params)
    tf.saved_model.save(serving, directory, signatures=signatures)
    keras_path = os.path.join(directory, KERAS_MODEL_FILE)
    os.makedirs(os.path.dirname(keras_path), exist_ok=True)
    keras_model.save(keras_path)

