"""What is under a serving dir: every model and version with its blessing, MLflow entry and labels."""
from __future__ import annotations

import os
from typing import Any

from tfpipe.components.serving_labels import (is_blessed, model_names, servable_versions,
                                              served_labels, version_record)
from tfpipe.errors import InputError
from tfpipe.serving import state as st
from tfpipe.settings import NAME_PATTERN, NAME_RULE


def model_base(serving_dir: str, name: str) -> str:
    """The base path of a model with a safe name that has at least one version."""
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(f"model name {name!r}: use {NAME_RULE}")
    base = os.path.join(serving_dir, name)
    if not servable_versions(base):
        known = ", ".join(model_names(serving_dir)) or "none"
        raise InputError(f"no pushed model {name!r} under {serving_dir} (models: {known}); "
                         "check --workdir / --serving-dir")
    return base


def describe_model(serving_dir: str, name: str) -> dict[str, Any]:
    """One model: its labels, history length and every version's record."""
    base = os.path.join(serving_dir, name)
    labels = served_labels(base)
    state = st.load_state(base)
    versions = []
    for version in servable_versions(base):
        record = version_record(base, version) or {}
        registry = state["registry"].get(str(version), {})
        versions.append({
            "version": version,
            "labels": sorted(k for k, v in labels.items() if v == version),
            "blessed": is_blessed(record or None), "forced": bool(record.get("forced")),
            "metrics": record.get("metrics", {}), "pushed_at": record.get("pushed_at"),
            "pushed_by": record.get("pushed_by"), "model_key": record.get("model_key"),
            "mlflow_run_id": registry.get("parent_run_id"),
            "registered_version": registry.get("version"),
            "path": os.path.join(base, str(version))})
    return {"model": name, "base_path": base, "labels": labels, "versions": versions,
            "last_change": state["events"][-1] if state["events"] else None}


def describe_serving(serving_dir: str) -> list[dict[str, Any]]:
    """Every model under the serving dir that has a version."""
    return [describe_model(serving_dir, name) for name in model_names(serving_dir)]
