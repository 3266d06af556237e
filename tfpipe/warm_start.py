"""Run one component in a forked child while this process imports what later ones need.

A cold `tfpipe run` spends seconds importing TensorFlow, Beam and tf.Transform. Ingest needs
only Beam, so the runner can fork before anything heavy is loaded, let the child run ingest,
and import the heavy libraries here at the same time on the other core. The child reports
its result (or its error, with the child's traceback as a note) through a pipe.

The imports run with the cyclic garbage collector paused, and their objects are then frozen
(`gc.freeze`): they live for the whole run, and each full collection rescanned all of them
(the measured gain is in benchmarks/RESULTS.md, text_sentiment).
"""
from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.abc
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

Result = TypeVar("Result")


def can_fork(modules: tuple[str, ...]) -> bool:
    """True when forking is safe and useful: Linux, one thread, none of `modules` loaded."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and bool(modules)
            and threading.active_count() == 1
            and not any(name.split(".")[0] in sys.modules for name in modules))


def run_while_importing(call: Callable[[], Result], modules: tuple[str, ...]) -> Result:
    """call() in a forked child while `modules` are imported here; its result or its error."""
    if not can_fork(modules):
        return call()
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(call, write_end)
    os.close(write_end)
    try:
        import_all(modules)
        with os.fdopen(read_end, "rb") as incoming:
            payload = incoming.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    if not payload:
        raise RuntimeError(f"the component's process ended without a result ({ended(status)})")
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise value
    return value


# Keras imports these optional integrations whenever they are installed (its scikit-learn
# wrappers, its image gallery's pyplot), and they cost over a second of a run's imports. The
# run's own process uses neither: its figures are drawn by tfpipe.figures' helper process.
UNUSED_BY_THE_RUN = ("sklearn", "matplotlib")


def import_all(modules: tuple[str, ...], unused: tuple[str, ...] = UNUSED_BY_THE_RUN) -> None:
    """Import each module with the collector paused; a failing one is left for its component.

    Packages in `unused` are not loaded on the way: an import of one inside fails as if it
    were not installed, which optional imports (`try: import sklearn`) are written for. After,
    they import as usual.
    """
    with collector_paused(), packages_hidden(unused):
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:
                continue


class _HiddenPackages(importlib.abc.MetaPathFinder):
    """Finds each module of the hidden packages not installed."""

    def __init__(self, packages: tuple[str, ...]) -> None:
        self.packages = frozenset(packages)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.partition(".")[0] in self.packages:
            raise ModuleNotFoundError(f"{fullname} is not loaded while tfpipe imports its "
                                      f"libraries", name=fullname)
        return None


@contextlib.contextmanager
def packages_hidden(packages: tuple[str, ...]) -> Iterator[None]:
    """Inside, importing a module of `packages` that is not yet loaded raises ImportError."""
    finder = _HiddenPackages(packages)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside; what was made inside is then frozen (never scanned).

    For imports: they make many objects that live as long as the process and little garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Frozen before the collector is back on: the first allocation after gc.enable()
        # would otherwise scan everything made inside (benchmarks/RESULTS.md, cached re-run).
        gc.freeze()
        if enabled:
            gc.enable()


def _child(call: Callable[[], Any], write_end: int) -> None:
    """In the forked child: run, send ('ok', result) or ('error', exception), exit at once."""
    try:
        message = ("ok", call())
    except BaseException as error:  # noqa: BLE001 - re-raised in the parent
        message = ("error", _portable(error))
    try:
        payload = pickle.dumps(message)
    except Exception as error:  # noqa: BLE001 - an unpicklable result is reported as an error
        payload = pickle.dumps(("error", _portable(error)))
    with os.fdopen(write_end, "wb") as outgoing:
        outgoing.write(payload)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # never run the parent's exit handlers or flush its buffers a second time


def _portable(error: BaseException) -> BaseException:
    """The error itself if it pickles, else a RuntimeError naming it; with the child traceback."""
    text = "".join(traceback.format_exception(error))
    try:
        pickle.loads(pickle.dumps(error))
        portable = error
    except Exception:  # noqa: BLE001 - any pickling failure means: send a plain copy
        portable = RuntimeError(f"{type(error).__name__}: {error}")
    portable.add_note(f"raised in the component's forked process:\n{text}")
    return portable


def ended(status: int) -> str:
    """How a child process ended, for an error message (SIGKILL: usually out of memory)."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        cause = ": the system may have run out of memory" if number == signal.SIGKILL else ""
        return f"killed by {name}{cause}"
    return f"exit code {os.WEXITSTATUS(status)}"
