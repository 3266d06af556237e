"""What push adds for serving: the version's record and warmup requests, its labels and
models.config, and the input/output description MLflow registers the model with."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tfpipe.components.serving_config import write_models_config
from tfpipe.components.serving_labels import record_push
from tfpipe.components.warmup import write_warmup_requests
from tfpipe.serving import state as st
from tfpipe.serving.rest_json import encode_tensors

if TYPE_CHECKING:
    from tfpipe.components.push import ServingCheck

# In the push artifact: the signature's inputs and outputs, and a few example inputs in TF
# Serving's REST JSON (`tfpipe predict --input` takes the file as it is).
MODEL_IO_FILE = "serving_io.json"
INPUT_EXAMPLE_FILE = "input_example.json"
INPUT_EXAMPLE_SIZE = 3


def version_record(decision: dict[str, Any], pipeline: str) -> dict[str, Any]:
    """The push marker's content beside the model key: blessing, metrics, who and when."""
    return {"blessed": bool(decision["blessed"]), "forced": bool(decision.get("forced")),
            "reason": decision["reason"], "metrics": decision.get("candidate", {}),
            "baselines": decision.get("baselines", {}), "pipeline": pipeline,
            "pushed_at": st.now(), "pushed_by": st.actor()}


def version_extras(model_name: str, checked: ServingCheck,
                   params: dict[str, Any]) -> Callable[[str], None]:
    """A `prepare` for publish: writes the warmup requests into the version's copy."""
    dtypes = {name: spec.dtype for name, spec in checked.input_specs.items()}

    def prepare(staging: str) -> None:
        write_warmup_requests(staging, model_name, checked.inputs, dtypes,
                              int(params.get("warmup_requests", 3)))

    return prepare


def serve_pushed(serving_dir: str, model_name: str, version: int,
                 params: dict[str, Any]) -> dict[str, int]:
    """Label the new version (stable, or canary when configured) and regenerate models.config."""
    labels = record_push(os.path.join(serving_dir, model_name), version,
                         canary=bool(params.get("serving_canary", False)))
    write_models_config(serving_dir)
    return labels


def spec_json(specs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """TensorSpecs as {name: {dtype, shape}} with -1 for unknown dimensions."""
    return {name: {"dtype": spec.dtype.name,
                   "shape": [-1 if d is None else int(d) for d in spec.shape.as_list()]}
            for name, spec in sorted(specs.items())}


def write_model_io(directory: str, checked: ServingCheck) -> None:
    """serving_io.json and input_example.json (with the outputs the model gave for it)."""
    with open(os.path.join(directory, MODEL_IO_FILE), "w", encoding="utf-8") as handle:
        json.dump({"inputs": spec_json(checked.input_specs),
                   "outputs": spec_json(checked.output_specs)}, handle, indent=2)
    few = {name: value[:INPUT_EXAMPLE_SIZE] for name, value in checked.inputs.items()}
    with open(os.path.join(directory, INPUT_EXAMPLE_FILE), "w", encoding="utf-8") as handle:
        json.dump({"inputs": encode_tensors(few)}, handle)
