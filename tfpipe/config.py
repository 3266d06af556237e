"""Run configuration: task defaults, a YAML/JSON file, then `--set key=value` overrides."""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from tfpipe import settings
from tfpipe.errors import InputError, did_you_mean
from tfpipe.settings import Settings


@dataclass(frozen=True)
class RunPaths:
    """Where a run reads and writes, derived from the workdir and config."""

    workdir: str
    artifacts: str
    serving: str
    tracking_uri: str
    mlartifacts: str


def load_file(path: str) -> dict[str, Any]:
    """Read a YAML or JSON config file into a flat dict."""
    if not os.path.isfile(path):
        what = ("is a folder" if os.path.isdir(path) else "is not a regular file"
                if os.path.exists(path) else "not found")
        raise InputError(f"config file {path}: {what}; pass --config FILE.yaml or FILE.json")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"config file {path}: cannot read it: {error}") from None
    data = _parse_config_text(path, text)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of key: value")
    return data


def _parse_config_text(path: str, text: str) -> Any:
    """JSON for `.json`, else YAML (safe_load: no Python object tags); InputError naming the
    line and column of a syntax error."""
    if path.endswith(".json"):
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except ValueError as error:
            raise InputError(f"config file {path}: not valid JSON: {error}") from None
    import yaml

    try:
        return yaml.load(text, Loader=_unique_keys_loader()) or {}  # a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if "python/" in str(error):
            problem += " (Python object tags are not accepted in config files)"
        raise InputError(f"config file {path}: not valid YAML{where}: {problem}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict; ValueError on a key given twice (which would win?)."""
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise ValueError(f"key {name!r} is given twice")
        seen[name] = value
    return seen


@functools.cache
def _unique_keys_loader() -> Any:
    """yaml.SafeLoader that refuses a mapping key given twice instead of keeping the last."""
    import yaml

    class UniqueKeySafeLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` merges, which keys override
                    continue
                name = self.construct_object(key_node, deep=deep)
                if isinstance(name, (str, int, float, bool)) and name in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {name!r} is given twice", key_node.start_mark)
                seen.add(name)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeySafeLoader


def resolve(settings_type: type[Settings], file_values: Mapping[str, Any],
            sets: list[str], file_origin: str = "config file") -> dict[str, Any]:
    """Task defaults, then file values, then `--set` overrides: typed, range-checked, complete.

    Errors about a key name where it was given: `file_origin` or the `--set` item.
    """
    merged = settings.defaults(settings_type)
    known = set(merged)

    def check(key: str, origin: str) -> None:
        if key not in known:
            raise InputError(f"{origin}: unknown config key {key!r}{did_you_mean(key, known)}; "
                             f"known keys: {', '.join(sorted(known))}")

    for key, value in file_values.items():
        check(str(key), file_origin)
        merged[str(key)] = settings.coerce(settings_type, str(key), value)
    for item in sets:
        if "=" not in item:
            raise InputError(f"--set {item}: expected key=value")
        key, text = item.split("=", 1)
        key = key.strip()
        check(key, f"--set {item}")
        merged[key] = settings.coerce(settings_type, key, text.strip())
    settings.parse(settings_type, merged)
    return {name: settings.json_ready(value) for name, value in merged.items()}


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
