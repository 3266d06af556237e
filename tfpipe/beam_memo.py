"""Two look-ups Beam repeats while it builds and runs a pipeline, each done once per input."""
from __future__ import annotations

import inspect
import sys
import threading
import types
import weakref
from typing import Any, Callable

# Beam asks for the signature of every method of every DoFn each time it checks whether the
# DoFn keeps state (while building, translating and running a pipeline, and once per bundle
# processor), and builds and runs a fresh argparse parser for every options view it takes
# (one per transform applied and per type check). Both answers depend only on their inputs;
# benchmarks/RESULTS.md has what remembering them saved in tf.Transform's analysis.

_lock = threading.Lock()  # guards the install
_originals: dict[str, Any] = {}


class SignatureMemo:
    """get_signature for plain and bound functions, remembered per function while it lives."""

    def __init__(self, compute: Callable[[Any], inspect.Signature]) -> None:
        self.compute = compute
        self.plain: weakref.WeakKeyDictionary[Any, tuple[tuple, inspect.Signature]] = \
            weakref.WeakKeyDictionary()
        self.bound: weakref.WeakKeyDictionary[Any, tuple[tuple, inspect.Signature]] = \
            weakref.WeakKeyDictionary()

    def __call__(self, func: Any) -> inspect.Signature:
        """The Signature `compute` gives for `func`, computed once per function and state."""
        if isinstance(func, types.MethodType):
            function, memo = func.__func__, self.bound
        else:
            function, memo = func, self.plain
        if not isinstance(function, types.FunctionType):
            return self.compute(func)
        state = function_state(function)
        known = memo.get(function)
        if known is not None and same_parts(known[0], state):
            return known[1]
        signature = self.compute(func)
        memo[function] = (state, signature)  # a race only computes one signature twice
        return signature


def function_state(function: types.FunctionType) -> tuple:
    """What inspect.signature reads of a function: any part replaced means recompute."""
    return (function.__code__, function.__defaults__, function.__kwdefaults__,
            function.__annotations__, getattr(function, "__wrapped__", None),
            getattr(function, "__signature__", None))


def same_parts(known: tuple, now: tuple) -> bool:
    """True when every part is the very object it was."""
    return all(a is b for a, b in zip(known, now))


class ViewMemo:
    """PipelineOptions.view_as, one view per options object and class while its flags hold."""

    def __init__(self, make_view: Callable[[Any, type], Any]) -> None:
        self.make_view = make_view
        self.views: weakref.WeakKeyDictionary[Any, dict[type, tuple[tuple, Any, Any]]] = \
            weakref.WeakKeyDictionary()

    def __call__(self, options: Any, cls: type) -> Any:
        """The view of `options` as `cls`: shares its option values, as Beam's views do."""
        flags = tuple(options._flags)
        known = self.views.get(options, {}).get(cls)
        if known is not None and known[0] == flags and known[1] is options._all_options:
            return known[2]
        view = self.make_view(options, cls)
        self.views.setdefault(options, {})[cls] = (flags, options._all_options, view)
        return view


def memoize_beam_lookups() -> None:
    """Have Beam work out each function's signature and each options view once (idempotent)."""
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.typehints import decorators

    with _lock:
        if _originals:
            return
        _originals["get_signature"] = decorators.get_signature
        _originals["view_as"] = PipelineOptions.view_as
        signatures = SignatureMemo(decorators.get_signature)
        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("apache_beam") and \
                    getattr(module, "get_signature", None) is _originals["get_signature"]:
                setattr(module, "get_signature", signatures)
        views = ViewMemo(PipelineOptions.view_as)

        def view_as(options: Any, cls: type) -> Any:
            """PipelineOptions.view_as, remembered."""
            return views(options, cls)

        setattr(PipelineOptions, "view_as", view_as)


def beam_original(name: str) -> Any:
    """Beam's own `get_signature` or `PipelineOptions.view_as`, installed or not."""
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.typehints import decorators

    if name in _originals:
        return _originals[name]
    return decorators.get_signature if name == "get_signature" else PipelineOptions.view_as
