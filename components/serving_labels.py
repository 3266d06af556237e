"""Which pushed version is served: the `stable` and `canary` labels of a model base path."""
from __future__ import annotations

import json
import os
from typing import Any

from tfpipe.components.versions import pushed_versions, version_dir
from tfpipe.errors import InputError
from tfpipe.serving import state as st

# Written inside each version (TF Serving ignores assets.extra/) by push: the model key, the
# blessing and when and by whom it was pushed.
PUSH_MARKER = os.path.join("assets.extra", "tfpipe_push.json")


def servable_versions(base: str) -> list[int]:
    """Version folders holding a SavedModel, ascending."""
    return [v for v in pushed_versions(base)
            if os.path.isfile(os.path.join(version_dir(base, v), "saved_model.pb"))]


def model_names(serving_dir: str) -> list[str]:
    """Models under a serving dir that have at least one servable version."""
    if not os.path.isdir(serving_dir):
        return []
    return sorted(name for name in os.listdir(serving_dir)
                  if not name.startswith(".") and servable_versions(os.path.join(serving_dir, name)))


def version_record(base: str, version: int) -> dict[str, Any] | None:
    """The push record kept inside a version, or None when tfpipe did not push it."""
    try:
        with open(os.path.join(version_dir(base, version), PUSH_MARKER), encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_blessed(record: dict[str, Any] | None) -> bool:
    """Whether a push record says the model was blessed (early records, blessed-only, say
    nothing: push never pushed anything else)."""
    return record is not None and record.get("blessed", True) is True


def served_labels(base: str) -> dict[str, int]:
    """{'stable': N[, 'canary': M]} over versions that still exist; stable defaults to the
    highest version when the labels name none (a base path pushed before labels existed)."""
    versions = servable_versions(base)
    if not versions:
        return {}
    recorded = {k: v for k, v in st.labels(base).items() if v in versions}
    stable = recorded.get(st.STABLE, versions[-1])
    result = {st.STABLE: stable}
    canary = recorded.get(st.CANARY)
    if canary is not None and canary != stable:
        result[st.CANARY] = canary
    return result


def served_version(base: str) -> int | None:
    """The version users get: the `stable` label."""
    return served_labels(base).get(st.STABLE)


def record_push(base: str, version: int, canary: bool) -> dict[str, int]:
    """Label a newly pushed version: `stable`, or `canary` beside the stable one when asked.
    A version already recorded as pushed (a re-run finding its model pushed) keeps its labels."""
    before = served_labels(base)

    def change(state: dict[str, Any]) -> None:
        if any(e.get("action") == "push" and e.get("version") == version
               for e in state["events"]):
            return
        stable = before.get(st.STABLE)
        if canary and stable is not None and stable != version:
            state["labels"] = {st.STABLE: stable, st.CANARY: version}
            label = st.CANARY
        else:
            state["labels"] = {st.STABLE: version}
            label = st.STABLE
        state["events"].append(st.event("push", version=version, label=label))

    st.update_state(base, change)
    return served_labels(base)


def check_servable(base: str, version: int) -> dict[str, Any]:
    """The push record of a version that exists and was blessed; InputError otherwise."""
    name = os.path.basename(base)
    versions = servable_versions(base)
    if version not in versions:
        raise InputError(f"model {name} has no version {version} under {os.path.dirname(base)} "
                         f"(versions: {', '.join(map(str, versions)) or 'none'})")
    record = version_record(base, version)
    if not is_blessed(record):
        why = "no push record" if record is None else "it was not blessed"
        raise InputError(f"model {name} version {version} cannot be served: {why}; "
                         "choose a blessed version (see `tfpipe models`)")
    return record or {}


def rollback_target(base: str) -> int:
    """The newest blessed version below the one served now; InputError when there is none."""
    current = served_version(base)
    name = os.path.basename(base)
    if current is None:
        raise InputError(f"model {name} has no pushed version under {os.path.dirname(base)}")
    earlier = [v for v in servable_versions(base)
               if v < current and is_blessed(version_record(base, v))]
    if not earlier:
        raise InputError(f"model {name}: no blessed version below the served version "
                         f"{current} to roll back to")
    return earlier[-1]


def serve_version(base: str, version: int, action: str, **details: Any) -> dict[str, Any]:
    """Make `version` the stable one (dropping any canary); record who, when, from and to."""
    check_servable(base, version)
    before = served_labels(base)
    entry = st.event(action, **{"from": before.get(st.STABLE), "to": version,
                                "canary_dropped": before.get(st.CANARY)}, **details)

    def change(state: dict[str, Any]) -> None:
        state["labels"] = {st.STABLE: version}
        state["events"].append(entry)

    st.update_state(base, change)
    return entry
