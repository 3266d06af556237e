"""MLflow's side of serving: pushed versions as pyfunc models, the `champion` alias following
the served version, and rollbacks recorded on the registered model."""
from __future__ import annotations

import contextlib
import json
import os
from typing import Any

import numpy as np

from tfpipe.serving.rest_json import to_array
from tfpipe.tracking_check import masked

# The models-from-code file MLflow stores with each model (importing it would register it).
PYFUNC_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlflow_model.py")
SAVED_MODEL_ARTIFACT = "saved_model"  # mlflow_model.SAVED_MODEL_ARTIFACT
CHAMPION, CANARY_ALIAS = "champion", "canary"
SERVING_VERSION_TAG = "serving_version"
MODEL_IO_FILE, INPUT_EXAMPLE_FILE = "serving_io.json", "input_example.json"


def model_signature(io: dict[str, Any]) -> Any:
    """An MLflow tensor signature from serving_io.json ({inputs, outputs}: {name: dtype, shape})."""
    from mlflow.models.signature import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec

    def schema(specs: dict[str, Any]) -> Any:
        return Schema([TensorSpec(_numpy_dtype(spec["dtype"]), tuple(spec["shape"]), name)
                       for name, spec in sorted(specs.items())])

    return ModelSignature(inputs=schema(io["inputs"]), outputs=schema(io["outputs"]))


def _numpy_dtype(name: str) -> np.dtype:
    """TensorFlow dtype name -> numpy dtype (strings are Python objects)."""
    return np.dtype(object) if name == "string" else np.dtype(name)


def input_example(io: dict[str, Any], example: dict[str, Any]) -> dict[str, np.ndarray]:
    """input_example.json as numpy arrays of the signature's dtypes."""
    return {name: to_array(value, _numpy_dtype(io["inputs"][name]["dtype"]))
            for name, value in example["inputs"].items()}


def description(summary: dict[str, Any]) -> str:
    """The registered version's description: where it is served and why it was blessed."""
    metrics = ", ".join(f"{k}={v:.6g}" for k, v in sorted(summary.get("metrics", {}).items()))
    return (f"TF Serving version {summary['version']} of {summary['model_name']} "
            f"({summary['serving_path']}). Blessed: {summary.get('reason', '')}. "
            f"Candidate metrics: {metrics or 'none recorded'}.")


def log_pushed_model(tracking_uri: str, run_id: str, summary: dict[str, Any],
                     push_dir: str) -> dict[str, Any]:
    """Save the pushed SavedModel as a pyfunc MLflow model into the push run's artifacts and
    register it, with schema, input example, blessing metrics as tags and a description.

    Only MlflowClient calls: MLflow's fluent API would set the process-wide tracking URI (and
    MLFLOW_TRACKING_URI for every later child process)."""
    import tempfile

    import mlflow.pyfunc
    from mlflow.tracking import MlflowClient

    from tfpipe.mlflow_artifacts import registry_source

    with open(os.path.join(push_dir, MODEL_IO_FILE), encoding="utf-8") as handle:
        io = json.load(handle)
    with open(os.path.join(push_dir, INPUT_EXAMPLE_FILE), encoding="utf-8") as handle:
        example = json.load(handle)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    with tempfile.TemporaryDirectory(prefix="tfpipe-mlflow-model-") as scratch:
        local = os.path.join(scratch, "model")
        mlflow.pyfunc.save_model(
            local, python_model=PYFUNC_FILE,
            artifacts={SAVED_MODEL_ARTIFACT: summary["serving_path"]},
            signature=model_signature(io), input_example=input_example(io, example),
            pip_requirements=_requirements(), metadata={"serving_version": summary["version"]})
        client.log_artifacts(run_id, local, "model")
    source = registry_source(f"{client.get_run(run_id).info.artifact_uri}/model", tracking_uri)
    name = summary["model_name"]
    metrics = {k: float(v) for k, v in summary.get("metrics", {}).items()}
    tags = {SERVING_VERSION_TAG: str(summary["version"]), "serving_path": summary["serving_path"],
            **{f"metric.{k}": f"{v:.6g}" for k, v in metrics.items()}}
    if not client.search_registered_models(f"name = '{name}'"):
        client.create_registered_model(name, description=f"tfpipe model {name}: each version "
                                       "is one TF Serving version of its model base path")
    version = client.create_model_version(name, source, run_id=run_id, tags=tags,
                                          description=description(summary))
    return {"name": name, "version": version.version, "model_uri": source, "run_id": run_id}


def _requirements() -> list[str]:
    """Pinned requirements of the pyfunc (given, so MLflow does not load the model to infer)."""
    from importlib.metadata import version

    return [f"{package}=={version(package)}" for package in ("mlflow", "tensorflow", "numpy")]


def registry_version(client: Any, name: str, serving_version: int) -> Any | None:
    """The registered model version of one TF Serving version, newest first, or None."""
    found = client.search_model_versions(
        f"name = '{name}' and tags.{SERVING_VERSION_TAG} = '{serving_version}'")
    return max(found, key=lambda v: int(v.version)) if found else None


def point_aliases(client: Any, name: str, labels: dict[str, int]) -> dict[str, str]:
    """Move `champion` to the stable version's registry entry and `canary` to the canary's
    (removed when there is none). Returns alias -> registry version."""
    moved: dict[str, str] = {}
    for alias, label in ((CHAMPION, "stable"), (CANARY_ALIAS, "canary")):
        entry = registry_version(client, name, labels[label]) if label in labels else None
        if entry is not None:
            client.set_registered_model_alias(name, alias, entry.version)
            moved[alias] = entry.version
        elif label not in labels:
            # MLflow raises when the alias was never set: nothing to remove then.
            with contextlib.suppress(Exception):
                client.delete_registered_model_alias(name, alias)
    return moved


def record_serving_change(tracking_uri: str, name: str, entry: dict[str, Any],
                          labels: dict[str, int]) -> dict[str, str]:
    """After a rollback: move the aliases and record who, when, from and to on the registered
    model (last change) and on the version now served."""
    import logging

    from mlflow.tracking import MlflowClient

    from tfpipe.mlflow_store import sqlite_path

    database = sqlite_path(tracking_uri)
    if database is not None and not os.path.isfile(database):
        raise LookupError(f"no MLflow store at {database}")
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    target = registry_version(client, name, entry["to"])
    if target is None:
        raise LookupError(f"MLflow at {masked(tracking_uri)} has no registered version of {name} "
                          f"tagged {SERVING_VERSION_TAG}={entry['to']}")
    moved = point_aliases(client, name, labels)
    text = json.dumps(entry, sort_keys=True)
    client.set_registered_model_tag(name, f"tfpipe.last_{entry['action']}", text)
    client.set_model_version_tag(name, target.version, f"tfpipe.{entry['action']}", text)
    return moved
