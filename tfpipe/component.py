"""Components as typed functions: inputs, outputs and parameters read from the signature."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, TypeVar, get_args, get_origin, get_type_hints

from tfpipe.artifacts import Artifact


class _Marker:
    def __init__(self, role: str) -> None:
        self.role = role


_INPUT, _OUTPUT, _PARAM, _DATA = (_Marker("input"), _Marker("output"), _Marker("param"),
                                  _Marker("data"))


T = TypeVar("T")

# Generic type aliases, as KFP does: `Input[Examples]` is `Annotated[Examples, _INPUT]` at runtime
# (what `_spec` reads) and plain `Examples` to a type checker.
Input = Annotated[T, _INPUT]
"""`Input[Examples]`: an artifact produced upstream."""

Output = Annotated[T, _OUTPUT]
"""`Output[Model]`: a directory this component fills."""

Parameter = Annotated[T, _PARAM]
"""`Parameter[int]`: a JSON value that is part of the cache key."""


# A path to raw input data: its content fingerprint (not the path) enters the cache key.
DataPath = Annotated[str, _DATA]


@dataclass
class Report:
    """What a component tells the runner: logged to MLflow and kept in artifact.json."""

    metrics: dict[str, float] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)  # paths relative to the artifact folder
    tags: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    # Files for reviewers (statistics, schema, vocabularies), relative to the artifact folder;
    # logged as run artifacts under their folder's name.
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain dict for artifact.json."""
        return {"metrics": self.metrics, "history": self.history, "params": self.params,
                "plots": self.plots, "tags": self.tags, "summary": self.summary,
                "files": self.files}


@dataclass(frozen=True)
class ComponentSpec:
    """A component's name, function and typed signature."""

    name: str
    fn: Callable[..., Report | None]
    inputs: dict[str, type[Artifact]]
    outputs: dict[str, type[Artifact]]
    params: tuple[str, ...]
    data_params: tuple[str, ...]
    wants_context: bool
    publishes: bool = False  # writes outside the artifact store (push: the serving path)

    def __call__(self, **kwargs: Any) -> Report | None:
        return self.fn(**kwargs)


def component(fn: Callable[..., Report | None] | None = None, *,
              publishes: bool = False) -> Any:
    """Turn a typed function into a component spec: `@component` or `@component(publishes=True)`."""
    if fn is None:
        return lambda decorated: _spec(decorated, publishes)
    return _spec(fn, publishes)


def _spec(fn: Callable[..., Report | None], publishes: bool) -> ComponentSpec:
    """The spec of one typed component function."""
    hints = get_type_hints(fn, include_extras=True)
    inputs: dict[str, type[Artifact]] = {}
    outputs: dict[str, type[Artifact]] = {}
    params: list[str] = []
    data: list[str] = []
    wants_context = False
    for name in inspect.signature(fn).parameters:
        hint = hints.get(name)
        if name == "context":
            wants_context = True
            continue
        if get_origin(hint) is not Annotated:
            raise TypeError(f"component {fn.__name__}: parameter {name!r} needs Input[...], "
                            "Output[...], Parameter[...] or DataPath")
        base, *markers = get_args(hint)
        role = next(m.role for m in markers if isinstance(m, _Marker))
        if role == "input":
            inputs[name] = base
        elif role == "output":
            outputs[name] = base
        elif role == "data":
            data.append(name)
        else:
            params.append(name)
    return ComponentSpec(name=fn.__name__, fn=fn, inputs=inputs, outputs=outputs,
                         params=tuple(params), data_params=tuple(data),
                         wants_context=wants_context, publishes=publishes)
