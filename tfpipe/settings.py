"""Task settings: one flat frozen dataclass per task, each key declared once with its checks.

Every task declares its keys the same way: a subclass of `Settings` whose fields are the keys,
whose annotations are their types (used to parse `--set` text and file values), and whose
`key(...)` metadata holds the ranges, choices and name rules checked at config time. Rules
across keys go in `check()`.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import operator
import os
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar, Union

from tfpipe.errors import InputError, did_you_mean
from tfpipe.schedule import parse_schedule

# One pattern for names that become folders, TF Serving model names and MLflow registry names.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
NAME_RULE = "1-63 letters, digits, '_', '.' or '-', starting with a letter or digit"
MAX_INT = 2**31 - 1

S = TypeVar("S", bound="Settings")

# Device model variants the `exports` key may list (components/tflite.py converts each).
DEVICE_VARIANTS = ("tflite_float32", "tflite_float16", "tflite_dynamic_int8", "tflite_int8",
                   "tfjs")


def key(default: Any, *, at_least: float | None = None, at_most: float | None = None,
        above: float | None = None, below: float | None = None,
        choices: tuple[Any, ...] | None = None, name: bool = False,
        parse: Callable[[Any], Any] | None = None) -> Any:
    """A settings field with its checks: inclusive and exclusive bounds, choices, name rule."""
    return dataclasses.field(default=default, metadata={
        "at_least": at_least, "at_most": at_most, "above": above, "below": below,
        "choices": choices, "name": name, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """Keys every task accepts; paths default to folders under the workdir."""

    pipeline_name: str | None = key(None, name=True)    # default: the task name
    model_name: str | None = key(None, name=True)       # TF Serving name; default: task name
    serving_dir: str | None = None                      # default: <workdir>/serving
    mlflow_tracking_uri: str | None = None              # default: env, else sqlite in workdir
    experiment_name: str | None = key(None, name=True)  # default: the pipeline name
    # Seconds the tracking process waits for the workdir's next run (0: it exits with the
    # run); default: $TFPIPE_TRACKING_KEEPALIVE_SECONDS, else 300.
    tracking_keepalive_seconds: int | None = key(None, at_least=0, at_most=86_400)
    force_bless: str = ""            # a reason; blesses regardless of thresholds, and is tagged
    # How much worse than the champion the candidate may be (negative: it must be better).
    champion_relative_tolerance: float = key(0.0, above=-1.0)
    champion_absolute_tolerance: float = 0.0
    push_validation_examples: int = key(16, at_least=1, at_most=100_000)
    # TF Serving warmup requests (eval examples) written into each pushed version; TF Serving
    # replays at most 1000.
    warmup_requests: int = key(3, at_least=0, at_most=1000)
    serving_canary: bool = False     # label new pushes `canary` beside `stable` (not served yet)
    seed: int = key(42, at_least=0, at_most=MAX_INT)
    schedule: str | None = key(None, parse=parse_schedule)  # orchestrator exports; None: on demand
    # Device models converted after evaluate (e.g. tflite_float16,tflite_int8); none: no step.
    exports: tuple[str, ...] = key((), choices=DEVICE_VARIANTS)
    # A device model whose primary metric is worse than the SavedModel's by more than this
    # fraction of it is not published (negative: it must be better).
    export_tolerance: float = key(0.01, above=-1.0, below=1.0)
    export_calibration_examples: int = key(200, at_least=1, at_most=100_000)  # full int8
    tfjs_env: str = ""  # for exports=tfjs: a folder made by `bash .ci/tfjs-env DIR`

    def check(self) -> None:
        """Rules across keys (a subclass extends it); raise InputError naming the keys."""


def check_common(values: Settings) -> None:
    """Rules across the keys every task has (subclasses' check() need not call it)."""
    if "tfjs" in values.exports:
        check_tfjs_env(values.tfjs_env)
    tflite = [v for v in values.exports if v.startswith("tflite_")]
    if tflite and importlib.util.find_spec("ai_edge_litert") is None:
        raise InputError(f"config exports={','.join(tflite)}: the TFLite interpreter is not "
                         "installed; pip install 'tfpipe[lite]' (ai-edge-litert)")


def check_tfjs_env(env: str) -> None:
    """exports=tfjs needs the converter's own environment (it cannot share TensorFlow 2.21's)."""
    converter = os.path.join(env, "venv", "bin", "tensorflowjs_converter")
    tfjs = os.path.join(env, "node_modules", "@tensorflow", "tfjs", "package.json")
    if not env or not (os.path.exists(converter) and os.path.exists(tfjs)):
        raise InputError(f"config exports lists tfjs but tfjs_env={env!r} holds no "
                         "tensorflowjs venv and @tensorflow/tfjs: make one with `bash "
                         ".ci/tfjs-env DIR` and --set tfjs_env=DIR")


_FIELDS: dict[type, dict[str, tuple[Any, dataclasses.Field]]] = {}
_PARSED: dict[tuple[type, str], Any] = {}
_PARSED_LIMIT = 256


def _fields(settings_type: type[Settings]) -> dict[str, tuple[Any, dataclasses.Field]]:
    """Key name -> (resolved type hint, field) for a settings class."""
    if settings_type not in _FIELDS:
        hints = typing.get_type_hints(settings_type)
        _FIELDS[settings_type] = {f.name: (hints[f.name], f)
                                  for f in dataclasses.fields(settings_type)}
    return _FIELDS[settings_type]


def key_names(settings_type: type[Settings]) -> list[str]:
    """Every key of a settings class, sorted."""
    return sorted(_fields(settings_type))


def json_ready(value: Any) -> Any:
    """Tuples as lists, so defaults and resolved configs print and hash as JSON."""
    return list(value) if isinstance(value, tuple) else value


def defaults(settings_type: type[Settings]) -> dict[str, Any]:
    """Every key with its default."""
    return {name: json_ready(f.default) for name, (_, f) in _fields(settings_type).items()}


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in {"none", "null"})


def _members(hint: Any) -> tuple[Any, ...]:
    """The types of a union (a plain type is a union of one)."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _describe(hint: Any) -> str:
    names = [getattr(m, "__name__", str(m)) for m in _members(hint) if m is not type(None)]
    return " or ".join("a list (a,b or [a, b])" if n == "tuple" else n for n in names)


def _scalar(kind: Any, value: Any) -> Any:
    """One value as int, float, bool or str; ValueError when it is not one."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        raise ValueError(value)
    if isinstance(value, (bool, list, tuple, dict)):
        raise ValueError(value)
    if kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(value)
            return int(value)
        return int(str(value).strip())
    if kind is float:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        return number
    return str(value)


def _items(value: Any) -> list[Any]:
    """A list from a list, a JSON list in text, [a, b] with bare words, or a,b."""
    if isinstance(value, (list, tuple)):
        return list(value)
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:  # [a, b] as typed on a command line, unquoted
            text = text[1:-1]
        else:
            if not isinstance(loaded, list):
                raise ValueError(value)
            return loaded
    return [part.strip().strip("'\"") for part in text.split(",") if part.strip()]


def coerce(settings_type: type[Settings], name: str, value: Any) -> Any:
    """A file or `--set` value as the key's declared type; InputError naming the key."""
    hint, spec = _fields(settings_type)[name]
    if spec.metadata.get("parse"):
        try:
            return spec.metadata["parse"](value)
        except (TypeError, ValueError) as error:
            raise InputError(f"config {name}={value!r}: {error}") from None
    members = _members(hint)
    if _is_null(value):
        if type(None) in members:
            return None
        raise InputError(f"config {name}: cannot be null; expected {_describe(hint)}")
    for member in (m for m in members if m is not type(None)):
        try:
            if typing.get_origin(member) is tuple:
                element = typing.get_args(member)[0]
                return tuple(_scalar(element, item) for item in _items(value))
            return _scalar(member, value)
        except (TypeError, ValueError, json.JSONDecodeError):
            continue
    raise InputError(f"config {name}={value!r}: expected {_describe(hint)}")


_BOUNDS = (("at_least", operator.ge, ">="), ("at_most", operator.le, "<="),
           ("above", operator.gt, ">"), ("below", operator.lt, "<"))


def _check_key(name: str, value: Any, rules: Mapping[str, Any]) -> None:
    """Range, choice and name rules of one key."""
    if value is None:
        return
    if rules.get("name") and not NAME_PATTERN.fullmatch(str(value)):
        raise InputError(f"config {name}={value!r}: use {NAME_RULE}")
    choices = rules.get("choices")
    if choices is not None:
        listed = ", ".join(repr(c) for c in choices)
        for item in value if isinstance(value, tuple) else (value,):
            if item not in choices:
                shown = f"{name}={value!r}" if item is value else f"{name} item {item!r}"
                raise InputError(f"config {shown}: choose one of {listed}")
    numbers = value if isinstance(value, tuple) else (value,)
    for number in (n for n in numbers if isinstance(n, (int, float))
                   and not isinstance(n, bool)):
        for rule, holds, words in _BOUNDS:
            limit = rules.get(rule)
            if limit is not None and not holds(number, limit):
                raise InputError(f"config {name}={value!r}: must be {words} {limit}")


def parse(settings_type: type[S], values: Mapping[str, Any]) -> S:
    """Typed, range-checked settings from a flat mapping; missing keys keep their defaults."""
    fields = _fields(settings_type)
    unknown = sorted(set(values) - set(fields))
    if unknown:
        named = ", ".join(f"{name}{did_you_mean(name, fields)}" for name in unknown)
        raise InputError(f"unknown config key(s) {named}; known keys: "
                         f"{', '.join(sorted(fields))}")
    typed = {name: coerce(settings_type, name, value) for name, value in values.items()}
    for name, value in typed.items():
        _check_key(name, value, fields[name][1].metadata)
    result = settings_type(**typed)
    check_common(result)
    result.check()
    return result


def from_params(settings_type: type[S], params: Mapping[str, Any]) -> S:
    """`parse` for a component's params, parsed once per distinct params."""
    frozen = json.dumps({k: json_ready(v) for k, v in params.items()}, sort_keys=True,
                        default=str)
    cache_key = (settings_type, frozen)
    if cache_key not in _PARSED:
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[cache_key] = parse(settings_type, params)
    return typing.cast(S, _PARSED[cache_key])
