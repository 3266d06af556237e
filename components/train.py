"""Train: tf.data from transformed records, the task's Keras model, a SavedModel export."""
from __future__ import annotations

import json
import math
import os
import time
from typing import Any

from tfpipe.artifacts import Examples, Model, TransformGraph
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.context import RunContext
from tfpipe.registry import load_task


@component
def train(context: RunContext, task: Parameter[str], params: Parameter[dict],
          examples: Input[Examples], transformed_examples: Input[Examples],
          transform_graph: Input[TransformGraph], model: Output[Model]) -> Report:
    """Fit with early stopping on a held-out slice of train; export serving signatures."""
    import keras
    import tensorflow_transform as tft

    from tfpipe.components import charts, export
    from tfpipe.components.datasets import training_datasets
    from tfpipe.components.progress import BarCallback, EpochLogger
    from tfpipe.components.transform import is_materialized

    hooks = load_task(task)
    keras.utils.set_random_seed(params["seed"])
    tft_output = tft.TFTransformOutput(transform_graph.uri)
    materialized = is_materialized(transformed_examples)
    if not materialized:
        context.log("applying the transform graph to ingest's train split")
    train_ds, validation_ds, sizes = training_datasets(
        hooks, tft_output, transformed_examples.uri if materialized else examples.uri, params,
        raw=not materialized)
    context.log(f"training on {sizes['train']} examples, validating on {sizes['validation']}")
    keras_model = hooks.build_model(params, tft_output)
    epochs = params["epochs"]
    with context.progress("fitting", None, "batches") as bar:
        callbacks: list[Any] = [
            BarCallback(bar, epochs, math.ceil(sizes["train"] / params["batch_size"]))
            if bar.live else EpochLogger(context.log, epochs)]
        if validation_ds is not None:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=params["patience"], restore_best_weights=True))
        fit_started = time.perf_counter()
        history = keras_model.fit(train_ds, validation_data=validation_ds,
                                  epochs=epochs, callbacks=callbacks, verbose=0)
        fit_seconds = time.perf_counter() - fit_started
    curves = history.history
    # Drawn by the figure helper while the model is exported.
    plot = charts.learning_curves(curves, model.path("learning_curves.png"))
    export.save_serving_model(hooks, keras_model, tft_output, params, model.uri)
    with open(model.path("history.json"), "w", encoding="utf-8") as handle:
        json.dump(curves, handle)
    epochs_run = len(next(iter(curves.values()))) if curves else 0
    return Report(
        metrics={"epochs_run": epochs_run, "fit_seconds": fit_seconds,
                 "train_examples_per_second": sizes["train"] * epochs_run / max(fit_seconds,
                                                                                1e-9),
                 **{f"final_{k}": float(v[-1]) for k, v in curves.items()}},
        history={k: [float(x) for x in v] for k, v in curves.items()},
        params={"model": params.get("model", ""), "keras_model": keras_model.name,
                "epochs": params["epochs"],
                "batch_size": params["batch_size"], "train_examples": sizes["train"],
                "validation_examples": sizes["validation"],
                "parameters": int(keras_model.count_params())},
        plots=[os.path.join("model", plot)],
        summary={"epochs_run": epochs_run, "train_examples": sizes["train"]})
