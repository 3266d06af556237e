"""Content-addressed cache keys and the reasons a component had to run."""
from __future__ import annotations

import hashlib
import inspect
import json
import os
from importlib import metadata
from types import ModuleType
from typing import Any

# Versions that change what a component produces; read from metadata, never imported.
KEYED_LIBRARIES = ("tensorflow", "tensorflow-transform", "apache-beam", "keras")


def canonical_json(value: Any) -> str:
    """Stable JSON text of a parameter value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def digest(text: str | bytes) -> str:
    """Short sha256 hex digest."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:20]


def library_versions() -> dict[str, str]:
    """Installed versions of the keyed libraries (no import)."""
    versions = {}
    for name in KEYED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def source_digest(obj: Any) -> str:
    """Digest of the source file that defines obj."""
    return digest(inspect.getsource(inspect.getmodule(obj)))


def package_digest(module: ModuleType) -> str:
    """Digest of a task package's source files, and of the packages in its SOURCE_PACKAGES."""
    import importlib

    hasher = hashlib.sha256()
    _hash_folder(hasher, os.path.dirname(module.__file__))
    for name in getattr(module, "SOURCE_PACKAGES", ()):
        hasher.update(name.encode())
        _hash_folder(hasher, os.path.dirname(importlib.import_module(name).__file__))
    return hasher.hexdigest()[:20]


def _hash_folder(hasher: Any, folder: str) -> None:
    """Feed every source file under folder (names and content) to the hasher."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".txt", ".pbtxt")):
                path = os.path.join(root, name)
                hasher.update(os.path.relpath(path, folder).encode())
                with open(path, "rb") as handle:
                    hasher.update(handle.read())


def file_fingerprint(path: str) -> str:
    """Content digest of a file, or of every file under a folder (names included)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"input data not found: {path}")
    hasher = hashlib.sha256()
    paths = [path] if os.path.isfile(path) else sorted(
        os.path.join(root, name) for root, _, names in os.walk(path) for name in names)
    for item in paths:
        hasher.update(os.path.relpath(item, path).encode())
        with open(item, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    return hasher.hexdigest()[:20]


def cache_key(fingerprint: dict[str, Any]) -> str:
    """The key of a component run from its fingerprint parts."""
    return digest(canonical_json(fingerprint))


def explain_change(previous: dict[str, Any] | None, current: dict[str, Any]) -> str:
    """Human reason a component runs, comparing its last fingerprint with this one."""
    if previous is None:
        return "no earlier run"
    changed = []
    for part in ("component_source", "task_source", "libraries"):
        if previous.get(part) != current.get(part):
            changed.append(part.replace("_", " ") + " changed")
    for group in ("params", "data", "inputs"):
        old, new = flatten(previous.get(group, {})), flatten(current.get(group, {}))
        names = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if names:
            changed.append(f"{group} changed: {', '.join(names)}")
    return "; ".join(changed) or "no complete artifact (earlier run interrupted or removed)"


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> dotted keys."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat
