"""Push: validate a blessed SavedModel, then add it as a new version under the base path."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tfpipe.artifacts import Examples, Model, ModelEvaluation, PushedModel
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.components.device_publish import publish_device_models
from tfpipe.components.serving_labels import PUSH_MARKER
from tfpipe.components.versions import model_base, pushed_versions
from tfpipe.context import RunContext
from tfpipe.errors import TfpipeError
from tfpipe.faults import pause_point
from tfpipe.files import remove_stale_staging, staging_name
from tfpipe.registry import load_task
from tfpipe.task import Task

STAGING_PREFIX = ".staging-"
# Files train writes beside the SavedModel for people, not for TF Serving.
TRAINING_REPORT_FILES = ("history.json", "learning_curves.png")


class PushRefused(TfpipeError):
    """The model failed validation and was not pushed."""


@dataclass(frozen=True)
class ServingCheck:
    """What the serving check sent and got back, and the signature's TensorSpecs."""

    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    input_specs: dict[str, Any]
    output_specs: dict[str, Any]


@component(publishes=True)
def push(context: RunContext, task: Parameter[str], params: Parameter[dict],
         model_name: Parameter[str], serving_dir: Parameter[str], examples: Input[Examples],
         model: Input[Model], evaluation: Input[ModelEvaluation],
         pushed_model: Output[PushedModel]) -> Report:
    """Blessed models only: smoke-call serving_default, copy under a temp name, rename."""
    with open(evaluation.path("blessing.json"), encoding="utf-8") as handle:
        decision = json.load(handle)
    record: dict[str, Any] = {"pushed": False, "model_name": model_name,
                              "model_key": model.key, "blessed": decision["blessed"]}
    if not decision["blessed"]:
        from tfpipe.components.serving_config import write_models_config

        context.log(f"not pushed: {decision['reason']}")
        record["reason"] = decision["reason"]
        write_models_config(serving_dir)  # TF Serving can start on a serving dir from day one
    else:
        from tfpipe.components import push_serving

        checked = validate_serving(load_task(task), model.uri, examples.uri, params)
        version, path = publish(
            model.uri, model_base(serving_dir, model_name), model.key,
            record=push_serving.version_record(decision, context.pipeline),
            prepare=push_serving.version_extras(model_name, checked, params))
        pause_point("push:published")
        labels = push_serving.serve_pushed(serving_dir, model_name, version, params)
        push_serving.write_model_io(pushed_model.uri, checked)
        context.log(f"pushed version {version} to {path} (labels: {labels})")
        record.update(pushed=True, version=version, serving_path=path, labels=labels,
                      metrics=decision.get("candidate", {}), reason=decision["reason"])
        record["device_models"] = publish_device_models(evaluation.uri, path)
    with open(pushed_model.path("push.json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
    return Report(metrics={"pushed_version": record.get("version", 0)},
                  tags={"pushed": str(record["pushed"]).lower()}, summary=record)


def validate_serving(hooks: Task, model_dir: str, examples_dir: str,
                     params: dict[str, Any]) -> ServingCheck:
    """Load the SavedModel and call serving_default on eval examples; raise when it fails."""
    from tfpipe.components import eval_stream
    from tfpipe.components.scoring import call_batched, load_signature

    try:
        count = params["push_validation_examples"]
        raw = eval_stream.head(eval_stream.raw_batches(
            examples_dir, "eval", hooks.raw_feature_spec(params),
            max(1, min(count, eval_stream.BATCH_SIZE))), count)  # reads no further
        inputs = hooks.eval_inputs(raw)
        signature = load_signature(model_dir)
        outputs = call_batched(signature, inputs)
    except Exception as error:
        raise PushRefused(f"model {model_dir} failed its serving check: {error}") from error
    predictions = np.asarray(hooks.eval_predictions(outputs))
    expected = len(next(iter(inputs.values())))
    if len(predictions) != expected:
        raise PushRefused(f"model {model_dir}: serving_default returned {len(predictions)} "
                          f"predictions for {expected} examples")
    if predictions.dtype.kind == "f" and not np.all(np.isfinite(predictions)):
        raise PushRefused(f"model {model_dir}: serving_default returned non-finite values")
    return ServingCheck(inputs=inputs, outputs=outputs,
                        input_specs=dict(signature.structured_input_signature[1]),
                        output_specs=dict(signature.structured_outputs))


def version_of_model(base: str, model_key: str) -> int | None:
    """The version already holding this model (from its push marker), if any."""
    for version in pushed_versions(base):
        marker = os.path.join(base, str(version), PUSH_MARKER)
        try:
            with open(marker, encoding="utf-8") as handle:
                if json.load(handle).get("model_key") == model_key:
                    return version
        except (OSError, ValueError):
            continue
    return None


def publish(model_dir: str, base: str, model_key: str, record: dict[str, Any] | None = None,
            prepare: Callable[[str], None] | None = None) -> tuple[int, str]:
    """Copy under a non-numeric temp name beside the versions, then rename to max+1.
    `record` joins the push marker; `prepare` adds files to the copy before the rename."""
    os.makedirs(base, exist_ok=True)
    already = version_of_model(base, model_key)
    if already is not None:
        return already, os.path.join(base, str(already))
    remove_stale_staging(base, STAGING_PREFIX)
    staging = os.path.join(base, staging_name(STAGING_PREFIX, model_key))
    shutil.copytree(model_dir, staging, ignore=shutil.ignore_patterns(*TRAINING_REPORT_FILES))
    os.makedirs(os.path.join(staging, os.path.dirname(PUSH_MARKER)), exist_ok=True)
    # The marker lets a push interrupted after its rename be recognised on the next run.
    with open(os.path.join(staging, PUSH_MARKER), "w", encoding="utf-8") as handle:
        json.dump({**(record or {}), "model_key": model_key}, handle, indent=2, default=float)
    if prepare is not None:
        prepare(staging)
    pause_point("push:staged")
    while True:
        version = (pushed_versions(base) or [0])[-1] + 1
        target = os.path.join(base, str(version))
        try:
            os.rename(staging, target)  # fails if another push took this number
            return version, target
        except OSError:
            if not os.path.exists(target):
                raise

