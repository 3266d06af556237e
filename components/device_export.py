"""Device export: the candidate converted to TFLite variants, each scored and gated.

Runs after evaluate and hands push a ModelEvaluation: evaluate's blessing.json unchanged, plus
exports.json (one row per variant: size, metric, difference from the SavedModel, interpreter
latency, published or why not), the .tflite files and the files a mobile developer needs.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from typing import Any

from tfpipe.artifacts import Examples, Model, ModelEvaluation, TransformGraph
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.context import RunContext
from tfpipe.errors import InputError
from tfpipe.registry import load_task
from tfpipe.task import Task

EXPORTS_FILE = "exports.json"
DESCRIPTION_FILE = "device_model.json"
DEVICE_DIR = "device"


@component
def device_export(context: RunContext, task: Parameter[str], params: Parameter[dict],
                  examples: Input[Examples], transform_graph: Input[TransformGraph],
                  model: Input[Model], evaluation: Input[ModelEvaluation],
                  device_evaluation: Output[ModelEvaluation]) -> Report:
    """Convert, score on evaluate's eval examples, gate against the SavedModel's metric."""
    import keras
    import tensorflow_transform as tft

    from tfpipe.components import tfrecords, tflite
    from tfpipe.components.export import KERAS_MODEL_FILE

    hooks = load_task(task)
    settings = hooks.settings(params)
    tft_output = tft.TFTransformOutput(transform_graph.uri)
    spec = hooks.device_spec(tft_output, params)
    if spec is None:
        raise InputError(f"config exports: task {task} has no device model; remove exports")
    keras_model = keras.saving.load_model(os.path.join(model.uri, KERAS_MODEL_FILE),
                                          compile=False)
    function = tflite.frozen_function(device_function(hooks, spec, keras_model, tft_output))
    with open(evaluation.path("blessing.json"), encoding="utf-8") as handle:
        decision = json.load(handle)
    spec_params = hooks.raw_feature_spec(params)
    raw_eval = tfrecords.load_split(examples.uri, "eval", spec_params)
    labels = hooks.eval_labels(raw_eval)
    eval_inputs = spec.eval_inputs(raw_eval)
    train_inputs = spec.eval_inputs(tfrecords.load_split(examples.uri, "train", spec_params))
    representative = tflite.representative_examples(
        train_inputs, settings.export_calibration_examples, settings.seed, spec.inputs)
    metric = hooks.info.primary_metric
    saved_value = float(decision["candidate"][metric])
    folder = device_evaluation.path(DEVICE_DIR)
    os.makedirs(folder)
    rows = []
    for variant in dict.fromkeys(settings.exports):  # listed order, once each
        context.log(f"converting {variant}")
        started = time.perf_counter()
        flatbuffer = tflite.convert(function, variant, representative)
        seconds = time.perf_counter() - started
        outputs, latency = tflite.run_per_example(flatbuffer, eval_inputs, spec.inputs)
        value = float(hooks.metrics(labels, spec.eval_predictions(outputs))[metric])
        row = variant_row(variant, len(flatbuffer), metric, value, saved_value,
                          settings.export_tolerance, seconds, latency)
        with open(os.path.join(folder, row["file"]), "wb") as handle:  # push picks passed
            handle.write(flatbuffer)
        context.log(f"{variant}: {len(flatbuffer)} bytes, {metric} {value:.6g} "
                    f"(SavedModel {saved_value:.6g}), {latency * 1e3:.3f} ms/example; "
                    f"{'passed' if row['passed'] else 'refused'}")
        rows.append(row)
    write_device_files(folder, spec.description, spec.files, metric)
    table = {"metric": metric, "saved_model_value": saved_value,
             "tolerance": settings.export_tolerance, "eval_examples": int(len(labels)),
             "blessed": decision["blessed"], "variants": rows}
    shutil.copy(evaluation.path("blessing.json"), device_evaluation.path("blessing.json"))
    with open(device_evaluation.path(EXPORTS_FILE), "w", encoding="utf-8") as handle:
        json.dump(table, handle, indent=2)
    return Report(metrics=report_metrics(rows), params={"exports": ",".join(settings.exports)},
                  plots=[f"device_evaluation/{EXPORTS_FILE}"], summary={"device_exports": summary_rows(rows)})


def device_function(hooks: Task, spec: Any, keras_model: Any, tft_output: Any) -> Any:
    """The concrete device function: device inputs -> (transform) -> model -> device outputs."""
    import tensorflow as tf

    from tfpipe.components.export import transform_function

    transform, _ = transform_function(tft_output)
    names = sorted(spec.inputs)

    def device(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        inputs = dict(zip(names, tensors))
        transformed = transform(spec.raw_features(inputs)) if spec.raw_features else inputs
        predictions = keras_model(hooks.model_inputs(transformed), training=False)
        return spec.outputs(predictions, transformed)

    signature = [spec.inputs[name] for name in names]
    return tf.function(device, input_signature=signature, autograph=False) \
        .get_concrete_function()


def variant_row(variant: str, size: int, metric: str, value: float, saved_value: float,
                tolerance: float, seconds: float, latency: float) -> dict[str, Any]:
    """One exports.json row; passed when the metric is within tolerance of the SavedModel's."""
    from tfpipe.components.blessing import change_check
    from tfpipe.components.tflite import VARIANT_NOTES

    check = change_check(metric, value, saved_value, tolerance, 0.0)
    return {"variant": variant, "file": f"{variant}.tflite", "what": VARIANT_NOTES[variant],
            "size_bytes": size, metric: value, "difference": value - saved_value,
            "threshold": check.threshold, "passed": check.passed,
            "conversion_seconds": seconds, "latency_ms_per_example": latency * 1e3}


def write_device_files(folder: str, description: dict[str, Any], files: dict[str, str],
                       metric: str) -> None:
    """The input/output description and the task's files (labels, vocabulary) beside the models."""
    for name, text in files.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(os.path.join(folder, DESCRIPTION_FILE), "w", encoding="utf-8") as handle:
        json.dump({**description, "files": sorted(files), "metric": metric,
                   "runtime": "TensorFlow Lite / LiteRT: one signature, serving_default; "
                              "the batch dimension is resizable (default 1)"},
                  handle, indent=2)


def report_metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    """MLflow metrics: one group per variant."""
    metrics: dict[str, float] = {}
    for row in rows:
        name = row["variant"]
        metric = next(k for k in row if k not in _ROW_KEYS)
        metrics.update({f"{name}_size_bytes": row["size_bytes"], f"{name}_{metric}": row[metric],
                        f"{name}_difference": row["difference"],
                        f"{name}_latency_ms": row["latency_ms_per_example"],
                        f"{name}_passed": float(row["passed"])})
    return metrics


def summary_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The --json summary's view: size, metric, difference and verdict per variant."""
    return {row["variant"]: {k: v for k, v in row.items()
                             if k not in ("variant", "file", "what", "threshold")}
            for row in rows}


_ROW_KEYS = {"variant", "file", "what", "size_bytes", "difference", "threshold", "passed",
             "conversion_seconds", "latency_ms_per_example"}
