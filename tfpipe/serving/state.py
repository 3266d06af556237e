"""The serving state of one model base path: its labels, its history, its registry entries.

Kept in `<base>/tfpipe-serving.json` beside the version folders (TF Serving only reads integer
folder names), written atomically so a reader never sees half of it.
"""
from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Callable
from typing import Any

STATE_FILE = "tfpipe-serving.json"
STABLE, CANARY = "stable", "canary"


def state_path(base: str) -> str:
    """The state file of a model base path."""
    return os.path.join(base, STATE_FILE)


def load_state(base: str) -> dict[str, Any]:
    """The state of a base path; empty labels and history when it has none yet."""
    try:
        with open(state_path(base), encoding="utf-8") as handle:
            state = json.load(handle)
    except FileNotFoundError:
        state = {}
    state.setdefault("labels", {})
    state.setdefault("events", [])
    state.setdefault("registry", {})
    return state


def update_state(base: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Apply `change` to the state and write it atomically (temp file + rename)."""
    state = load_state(base)
    change(state)
    os.makedirs(base, exist_ok=True)
    staging = f"{state_path(base)}.tmp-{os.getpid()}"
    with open(staging, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2, sort_keys=True)
    os.replace(staging, state_path(base))
    return state


def labels(base: str) -> dict[str, int]:
    """Label -> version as recorded (only labels that are set)."""
    return {k: int(v) for k, v in load_state(base)["labels"].items() if v is not None}


def actor() -> str:
    """Who is acting: the OS user name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def now() -> str:
    """UTC time as ISO 8601 with seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def event(action: str, **fields: Any) -> dict[str, Any]:
    """One history entry: what happened, who did it and when."""
    return {"action": action, "by": actor(), "at": now(), **fields}


def record_registry(base: str, version: int, entry: dict[str, Any]) -> None:
    """Remember the MLflow run and registered model version of a serving version."""
    def change(state: dict[str, Any]) -> None:
        state["registry"][str(version)] = entry

    update_state(base, change)
