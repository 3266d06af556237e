"""Resolving the champion: the served model of the pipeline (its `stable` label), not the
candidate."""
from __future__ import annotations

import os
from typing import Any

from tfpipe.artifacts import list_records
from tfpipe.components.serving_labels import served_version
from tfpipe.components.versions import pushed_versions, version_dir
from tfpipe.pipeline import Resolved


def find_champion(artifacts_root: str, pipeline: str, serving_base: str,
                  candidate_key: str) -> dict[str, Any] | None:
    """The served (`stable`) version under serving_base; when that is the candidate itself
    (an identical re-run), the highest other pushed version."""
    pushes = [r.report.get("summary", {}) for r in list_records(artifacts_root, pipeline, "push")]
    versions = {version_dir(serving_base, v) for v in pushed_versions(serving_base)}
    eligible = [p for p in pushes
                if p.get("pushed") and p.get("model_key") != candidate_key
                and p.get("serving_path") in versions
                and os.path.isfile(os.path.join(p["serving_path"], "saved_model.pb"))]
    if not eligible:
        return None
    served = [p for p in eligible if p["version"] == served_version(serving_base)]
    best = served[0] if served else max(eligible, key=lambda p: p["version"])
    return {"version": best["version"], "path": best["serving_path"],
            "model_key": best["model_key"]}


def champion_resolver(pipeline: str, serving_base: str, candidate_node: str) -> Resolved:
    """A late parameter: resolved once the candidate's key is known."""
    def resolve(state: Any) -> dict[str, Any] | None:
        return find_champion(state.artifacts_root, pipeline, serving_base,
                             state.outcomes[candidate_node].key)

    return Resolved(resolve, "served model other than the candidate")
