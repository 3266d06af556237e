"""Run configuration: task defaults, a YAML/JSON file, then `--set key=value` overrides."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from tfpipe.errors import InputError

# Keys every task accepts; paths default to folders under the workdir.
COMMON_DEFAULTS: dict[str, Any] = {
    "model_name": None,            # TF Serving model name; default: the task name
    "serving_dir": None,           # TF Serving model base path root; default <workdir>/serving
    "mlflow_tracking_uri": None,   # default: $MLFLOW_TRACKING_URI or sqlite under the workdir
    "experiment_name": None,       # default: the pipeline name
    "force_bless": "",             # a reason; blesses regardless of thresholds, and is tagged
    "champion_relative_tolerance": 0.0,
    "champion_absolute_tolerance": 0.0,
    "push_validation_examples": 16,
    "seed": 42,
}
COMMON_TYPES: dict[str, type] = {"model_name": str, "serving_dir": str,
                                 "mlflow_tracking_uri": str, "experiment_name": str}


@dataclass(frozen=True)
class RunPaths:
    """Where a run reads and writes, derived from the workdir and config."""

    workdir: str
    artifacts: str
    serving: str
    tracking_uri: str
    mlartifacts: str


def coerce(key: str, text: str, kind: type | None) -> Any:
    """Convert a `--set` string to the key's type; JSON for lists and dicts."""
    if text.lower() in {"none", "null"}:
        return None
    try:
        if kind is bool:
            if text.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError(text)
            return text.lower() in {"true", "1", "yes"}
        if kind in (int, float):
            return kind(text)
        if kind in (list, dict):
            return json.loads(text)
    except ValueError:
        expected = kind.__name__ if kind is not None else "text"  # only typed keys raise
        raise InputError(f"--set {key}={text}: expected {expected}") from None
    return text


def load_file(path: str) -> dict[str, Any]:
    """Read a YAML or JSON config file into a flat dict."""
    if not os.path.isfile(path):
        raise InputError(f"config file not found: {path}")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of key: value")
    return data


def resolve(defaults: Mapping[str, Any], types: Mapping[str, type],
            file_values: Mapping[str, Any], sets: list[str]) -> dict[str, Any]:
    """Merge defaults, file values and `--set` overrides, rejecting unknown keys."""
    merged = dict(COMMON_DEFAULTS)
    merged.update(defaults)
    all_types = {**COMMON_TYPES, **types}
    known = set(merged)

    def check(key: str, origin: str) -> None:
        if key not in known:
            raise InputError(f"{origin}: unknown config key {key!r}; known keys: "
                             f"{', '.join(sorted(known))}")

    for key, value in file_values.items():
        check(key, "config file")
        merged[key] = value
    for item in sets:
        if "=" not in item:
            raise InputError(f"--set {item}: expected key=value")
        key, text = item.split("=", 1)
        key = key.strip()
        check(key, f"--set {item}")
        default = merged[key]
        kind = all_types.get(key) or (type(default) if default is not None else str)
        merged[key] = coerce(key, text.strip(), kind)
    return merged


def run_paths(workdir: str, config: Mapping[str, Any]) -> RunPaths:
    """Absolute paths of the run's stores."""
    workdir = os.path.abspath(workdir)
    tracking = (config.get("mlflow_tracking_uri") or os.environ.get("MLFLOW_TRACKING_URI")
                or f"sqlite:///{os.path.join(workdir, 'mlflow.db')}")
    return RunPaths(workdir=workdir, artifacts=os.path.join(workdir, "artifacts"),
                    serving=os.path.abspath(config.get("serving_dir")
                                            or os.path.join(workdir, "serving")),
                    tracking_uri=tracking, mlartifacts=os.path.join(workdir, "mlartifacts"))


def pick(config: Mapping[str, Any], keys: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The subset of config one component uses (and so keys its cache)."""
    return {key: config[key] for key in keys}
