"""Device export: the candidate converted to TFLite (and TF.js) variants, scored and gated.

Runs after evaluate and hands push a ModelEvaluation: evaluate's blessing.json unchanged, plus
exports.json (one row per variant: size, metric, difference from the SavedModel, interpreter
latency, passed or why not), every converted variant and the files a mobile developer needs.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from tfpipe.artifacts import Examples, Model, ModelEvaluation, TransformGraph
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.context import RunContext
from tfpipe.errors import InputError
from tfpipe.registry import load_task
from tfpipe.settings import DEVICE_VARIANTS
from tfpipe.task import Task

EXPORTS_FILE = "exports.json"
DESCRIPTION_FILE = "device_model.json"
DEVICE_DIR = "device"
# What each variant is, for exports.json and the README.
VARIANT_NOTES = {
    "tflite_float32": "TFLite, float32 weights and activations (no optimization)",
    "tflite_float16": "TFLite, float16 weights, float32 activations",
    "tflite_dynamic_int8": "TFLite, int8 weights, activations quantized on the fly "
                           "(dynamic range)",
    "tflite_int8": "TFLite, int8 weights and activations calibrated on train examples; "
                   "float32 inputs and outputs; ops without an int8 kernel stay float",
    "tfjs": "TensorFlow.js graph model (model.json and weight shards), float32",
}
assert set(VARIANT_NOTES) == set(DEVICE_VARIANTS)


@component
def device_export(context: RunContext, task: Parameter[str], params: Parameter[dict],
                  examples: Input[Examples], transform_graph: Input[TransformGraph],
                  model: Input[Model], evaluation: Input[ModelEvaluation],
                  device_evaluation: Output[ModelEvaluation]) -> Report:
    """Convert, score on evaluate's eval examples, gate against the SavedModel's metric."""
    import keras
    import tensorflow_transform as tft

    from tfpipe.components import eval_stream, tfjs, tflite
    from tfpipe.components.export import KERAS_MODEL_FILE

    hooks = load_task(task)
    settings = hooks.settings(params)
    tft_output = tft.TFTransformOutput(transform_graph.uri)
    spec = hooks.device_spec(tft_output, params)
    if spec is None:
        raise InputError(f"config exports: task {task} has no device model; remove exports")
    keras_model = keras.saving.load_model(os.path.join(model.uri, KERAS_MODEL_FILE),
                                          compile=False)
    function = tflite.freeze(device_function(hooks, spec, keras_model, tft_output))
    with open(evaluation.path("blessing.json"), encoding="utf-8") as handle:
        decision = json.load(handle)
    spec_params = hooks.raw_feature_spec(params)

    def eval_inputs() -> Iterator[dict[str, Any]]:
        """The device inputs of the eval split, a batch at a time (read once per variant)."""
        return (spec.eval_inputs(raw)
                for raw in eval_stream.raw_batches(examples.uri, "eval", spec_params))

    labels = np.concatenate([np.asarray(hooks.eval_labels(raw)) for raw in
                             eval_stream.raw_batches(examples.uri, "eval", spec_params)])
    scratch = context.scratch_dir("device_export")
    saved_model = tflite.save_for_conversion(function, os.path.join(scratch, "device_saved_model"))
    representative = ""
    if "tflite_int8" in settings.exports:  # calibration examples from the train split
        chosen = tflite.representative_rows(eval_stream.count_records(examples.uri, "train"),
                                          settings.export_calibration_examples, settings.seed)
        representative = tflite.save_representative(
            eval_stream.gather(eval_stream.raw_batches(examples.uri, "train", spec_params),
                               chosen, spec.eval_inputs),
            spec.inputs, os.path.join(scratch, "representative.npz"))
    metric = hooks.info.primary_metric
    saved_value = float(decision["candidate"][metric])
    folder = device_evaluation.path(DEVICE_DIR)
    os.makedirs(folder)
    rows = []
    for variant in dict.fromkeys(settings.exports):  # listed order, once each
        context.log(f"converting {variant}")
        try:
            size, seconds, outputs, latency = produce(
                variant, saved_model, representative, folder, eval_inputs(), spec,
                settings.tfjs_env, context.scratch_dir(f"run-{variant}"))
        except (tflite.ConversionFailed, tfjs.TfjsFailed) as error:
            context.log(f"{variant}: not converted: {error}")
            rows.append(failed_row(variant, metric, str(error)))
            continue
        value = float(hooks.metrics(labels, spec.eval_predictions(outputs))[metric])
        row = variant_row(variant, size, metric, value, saved_value, settings.export_tolerance,
                          seconds, latency)
        context.log(f"{variant}: {size} bytes, {metric} {value:.6g} "
                    f"(SavedModel {saved_value:.6g}), {latency * 1e3:.3f} ms/example; "
                    f"{'passed' if row['passed'] else 'refused'}")
        rows.append(row)
    write_device_files(folder, described(spec.description, function_io(function)), spec.files,
                       metric)
    table = {"metric": metric, "saved_model_value": saved_value,
             "tolerance": settings.export_tolerance, "eval_examples": int(len(labels)),
             "blessed": decision["blessed"], "variants": rows}
    shutil.copy(evaluation.path("blessing.json"), device_evaluation.path("blessing.json"))
    with open(device_evaluation.path(EXPORTS_FILE), "w", encoding="utf-8") as handle:
        json.dump(table, handle, indent=2)
    return Report(metrics=report_metrics(rows, metric),
                  params={"exports": ",".join(settings.exports)},
                  plots=[f"device_evaluation/{EXPORTS_FILE}"],
                  summary={"device_exports": summary_rows(rows)})


def produce(variant: str, saved_model: str, representative: str, folder: str,
            inputs: Iterable[dict[str, Any]], spec: Any, tfjs_env: str,
            work: str) -> tuple[int, float, dict[str, Any], float]:
    """Convert one variant into folder and run it on the eval inputs: size in bytes,
    conversion seconds, outputs, seconds per example."""
    from tfpipe.components import tfjs, tflite

    if variant == "tfjs":
        path = os.path.join(folder, variant_file(variant))
        seconds = tfjs.convert(tfjs_env, saved_model, path)
        outputs, latency = tfjs.run_per_example_batches(tfjs_env, path, inputs, work)
        return tfjs.folder_size(path), seconds, outputs, latency
    path = os.path.join(folder, variant_file(variant))  # push publishes passing ones only
    seconds = tflite.convert_isolated(saved_model, variant, representative, path)
    with open(path, "rb") as handle:
        flatbuffer = handle.read()
    outputs, latency = tflite.run_per_example_batches(flatbuffer, inputs, spec.inputs)
    return len(flatbuffer), seconds, outputs, latency


def variant_file(variant: str) -> str:
    """The file (TFLite) or folder (TF.js) of a variant inside the device folder."""
    return variant if variant == "tfjs" else f"{variant}.tflite"


def function_io(function: Any) -> dict[str, dict[str, Any]]:
    """dtype and shape of each input and output of the frozen device function."""
    import tensorflow as tf

    return {"inputs": {spec.name: {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}
                       for spec in tf.nest.flatten(function.structured_input_signature)},
            "outputs": {name: {"dtype": tensor.dtype.name, "shape": tensor.shape.as_list()}
                        for name, tensor in function.structured_outputs.items()}}


def device_function(hooks: Task, spec: Any, keras_model: Any, tft_output: Any) -> Any:
    """The concrete device function: device inputs -> (transform) -> model -> device outputs."""
    import tensorflow as tf

    from tfpipe.components.export import transform_function
    from tfpipe.components.tflite import frozen_preprocessing

    names = sorted(spec.inputs)
    # One example per call, as an app runs it; a static batch also lets recurrent layers'
    # tensor lists lower to TFLite's built-in ops.
    signature = [tf.TensorSpec([1, *spec.inputs[name].shape[1:]], spec.inputs[name].dtype,
                               name=name) for name in names]
    preprocess = None
    if spec.raw_features is not None:
        transform, _ = transform_function(tft_output)

        def raw_to_transformed(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
            return transform(spec.raw_features(dict(zip(names, tensors))))

        preprocess = frozen_preprocessing(tf.function(
            raw_to_transformed, input_signature=signature, autograph=False)
            .get_concrete_function())

    def device(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        transformed = preprocess(*tensors) if preprocess else dict(zip(names, tensors))
        select = spec.model_inputs or hooks.model_inputs
        predictions = keras_model(select(transformed), training=False)
        return spec.outputs(predictions, transformed)

    return tf.function(device, input_signature=signature, autograph=False) \
        .get_concrete_function()


def variant_row(variant: str, size: int, metric: str, value: float, saved_value: float,
                tolerance: float, seconds: float, latency: float) -> dict[str, Any]:
    """One exports.json row; passed when the metric is within tolerance of the SavedModel's."""
    from tfpipe.components.blessing import change_check

    check = change_check(metric, value, saved_value, tolerance, 0.0)
    return {"variant": variant, "file": variant_file(variant), "what": VARIANT_NOTES[variant],
            "size_bytes": size, metric: value, "difference": value - saved_value,
            "threshold": check.threshold, "passed": check.passed,
            "conversion_seconds": seconds, "latency_ms_per_example": latency * 1e3}


def described(description: dict[str, Any], io: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The task's description with each input's and output's dtype and shape from the model."""
    merged = dict(description)
    for side in ("inputs", "outputs"):
        merged[side] = {name: {**io[side][name], **description.get(side, {}).get(name, {})}
                        for name in io[side]}
    return merged


def failed_row(variant: str, metric: str, error: str) -> dict[str, Any]:
    """The exports.json row of a variant the converter could not produce."""

    return {"variant": variant, "file": None, "what": VARIANT_NOTES[variant], "size_bytes": None,
            metric: None, "difference": None, "threshold": None, "passed": False,
            "error": error, "conversion_seconds": None, "latency_ms_per_example": None}


def write_device_files(folder: str, description: dict[str, Any], files: dict[str, str],
                       metric: str) -> None:
    """The input/output description and the task's files (labels, vocabulary) beside the models."""
    for name, text in files.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(os.path.join(folder, DESCRIPTION_FILE), "w", encoding="utf-8") as handle:
        json.dump({**description, "files": sorted(files), "metric": metric,
                   "runtime": "*.tflite: TensorFlow Lite / LiteRT, signature serving_default; "
                              "tfjs/: a TensorFlow.js graph model with the same inputs and "
                              "outputs; one example per call (batch dimension 1)"},
                  handle, indent=2)


def report_metrics(rows: list[dict[str, Any]], metric: str) -> dict[str, float]:
    """MLflow metrics: one group per variant (a variant that failed to convert: passed 0)."""
    metrics: dict[str, float] = {}
    for row in rows:
        name = row["variant"]
        metrics[f"{name}_passed"] = float(row["passed"])
        if row["size_bytes"] is not None:
            metrics.update({f"{name}_size_bytes": row["size_bytes"],
                            f"{name}_{metric}": row[metric],
                            f"{name}_difference": row["difference"],
                            f"{name}_latency_ms": row["latency_ms_per_example"],
                            f"{name}_conversion_seconds": row["conversion_seconds"]})
    return metrics


def summary_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The --json summary's view: size, metric, difference and verdict per variant."""
    return {row["variant"]: {k: v for k, v in row.items()
                             if k not in ("variant", "file", "what", "threshold")}
            for row in rows}
