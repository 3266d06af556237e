"""PNG figures, drawn by a helper process while the component that asked for them goes on.

A cold run's main process is busy from start to end (imports, Beam, fitting, export), while
the machine's other core mostly waits. Drawing with matplotlib (its import and each figure)
sat on that busy path. The runner forks a helper before TensorFlow is loaded; `save` sends it
a figure-building function (by its module and name) with plain arguments, and the runner
waits for every figure of a component (`finish`) before committing that component's
artifact, so a committed artifact always holds its PNGs. Without a helper (another platform,
TensorFlow already loaded in this process, the helper gone) figures are drawn right here.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from typing import Any, NoReturn

from tfpipe.warm_start import can_fork

# Not yet loaded when the helper forks: TensorFlow's threads could hold a lock the fork would
# copy held, and matplotlib is for the helper to import, on the core the run leaves free.
_MUST_NOT_BE_LOADED = ("tensorflow", "matplotlib")


class FigureFailed(RuntimeError):
    """A figure could not be drawn or written."""


@dataclass(frozen=True)
class Figure:
    """One PNG to write: draw(*args) returns a matplotlib figure, saved at `path`."""

    draw: Callable[..., Any]
    args: tuple[Any, ...]
    path: str
    dpi: int


def draw_here(figure: Figure) -> None:
    """Draw and write one figure in this process (Agg, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = figure.draw(*figure.args)
    try:
        drawn.savefig(figure.path, dpi=figure.dpi)
    finally:
        plt.close(drawn)


class FigureProcess:
    """A forked helper that draws figures in order; the parent waits for them in `finish`."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.pending: list[Figure] = []
        self.connection: Connection | None = None
        self.pid = 0

    def start(self) -> None:
        """Fork the helper; it imports matplotlib and then draws what it is sent."""
        parent_end, child_end = Pipe()
        pid = os.fork()
        if pid == 0:
            parent_end.close()
            _serve(child_end)
        child_end.close()
        self.connection, self.pid = parent_end, pid

    def submit(self, figure: Figure) -> bool:
        """Send one figure to the helper; False when it must be drawn here instead."""
        if self.connection is None or os.getpid() != self.owner:
            return False  # no helper, or a forked child (ingest's) of the process owning it
        module, name = figure.draw.__module__, figure.draw.__qualname__
        try:
            if _resolve(module, name) is not figure.draw:
                return False  # not found by its name (a wrapped or replaced function)
            message = plain_pickle((module, name, figure.args, figure.path, figure.dpi))
        except (ImportError, AttributeError, pickle.PicklingError, TypeError):
            return False  # a function inside another, or arguments not plain data
        try:
            self.connection.send_bytes(message)
        except OSError:
            self._lost()
            return False
        self.pending.append(figure)
        return True

    def finish(self, discard: bool = False) -> None:
        """Wait until every figure sent so far is written; raise the first failure unless
        `discard` (a component that failed anyway: its staging folder is about to go)."""
        failures: list[str] = []
        while self.pending and self.connection is not None:
            figure = self.pending[0]
            try:
                failure = self.connection.recv()
            except (EOFError, OSError):
                self._lost()
                break
            self.pending.pop(0)
            if failure:
                failures.append(f"{os.path.basename(figure.path)}: {failure}")
        for figure in self._take_pending():  # the helper died: draw the rest here
            try:
                draw_here(figure)
            except Exception as error:  # noqa: BLE001 - reported like a helper's failure
                failures.append(f"{os.path.basename(figure.path)}: "
                                f"{type(error).__name__}: {error}")
        if failures and not discard:
            raise FigureFailed(f"figure {failures[0]}")

    def stop(self) -> None:
        """End the helper (it has nothing left to draw after `finish`)."""
        if os.getpid() != self.owner:
            return
        self._lost()
        if self.pid:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):  # already gone
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            self.pid = 0

    def _lost(self) -> None:
        """Stop sending to the helper (gone, or being ended)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _take_pending(self) -> list[Figure]:
        taken, self.pending = self.pending, []
        return taken


class _PlainPickler(pickle.Pickler):
    """Pickles plain data only: Python's builtin types and numpy's arrays and scalars."""

    def reducer_override(self, obj: Any) -> Any:
        # Anything else would be rebuilt in the helper by importing its module; an object
        # from TensorFlow (a dtype in a feature spec) made it import TensorFlow, seconds at
        # the lowest priority, while the component waited.
        module = type(obj).__module__
        if module in ("builtins", "numpy") or module.startswith("numpy."):
            return NotImplemented
        raise TypeError(f"not plain data: {type(obj).__module__}.{type(obj).__qualname__}")


def plain_pickle(value: Any) -> bytes:
    """`value` pickled if it is plain data (builtins, numpy), else TypeError."""
    buffer = io.BytesIO()
    _PlainPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


_current: FigureProcess | None = None


def save(draw: Callable[..., Any], args: Sequence[Any], path: str, dpi: int = 100) -> None:
    """Write draw(*args) as a PNG at `path`: by the helper if one runs, else here and now.

    `draw` must be a module-level function returning a matplotlib figure, and `args` plain
    data (builtins, numpy); other figures are drawn here.
    """
    figure = Figure(draw, tuple(args), path, dpi)
    if _current is None or not _current.submit(figure):
        draw_here(figure)


def start() -> None:
    """Start this process's figure helper, once, when forking is safe; else do nothing."""
    global _current
    if _current is None and can_fork(_MUST_NOT_BE_LOADED):
        helper = FigureProcess()
        try:
            helper.start()
        except OSError:  # no process to spare (a limit, memory): figures are drawn here
            return
        _current = helper


def finish(discard: bool = False) -> None:
    """Every figure asked for so far is written (FigureFailed names the first that was not)."""
    if _current is not None and os.getpid() == _current.owner:
        _current.finish(discard)


def stop() -> None:
    """End the helper, if this process started one."""
    global _current
    if _current is not None and os.getpid() == _current.owner:
        _current.stop()
        _current = None


def _serve(connection: Connection) -> NoReturn:
    """In the helper: draw each figure sent, answer '' or the error, until the parent closes."""
    try:
        kept = connection.fileno()
        # Inherited descriptors (the workdir's lock, the tracking process's pipe) must not
        # outlive the parent because this process holds a copy.
        os.closerange(3, kept)
        os.closerange(kept + 1, 1 << 16)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which ends us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # At the run's own priority: the run waits for its figures before committing a
        # component, and on a busy machine a helper at nice 19 got so little of a core that
        # evaluate waited seconds for two figures (benchmarks/RESULTS.md).
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401 - imported now, while the parent imports its own
        while True:
            try:
                module, name, args, path, dpi = pickle.loads(connection.recv_bytes())
            except (EOFError, OSError):
                break
            try:
                draw_here(Figure(_resolve(module, name), args, path, dpi))
                connection.send("")
            except Exception as error:  # noqa: BLE001 - sent to the parent, which raises it
                connection.send("".join(traceback.format_exception_only(error)).strip())
    finally:
        os._exit(0)


def _resolve(module: str, qualified_name: str) -> Callable[..., Any]:
    """The function `module.qualified_name`, imported here."""
    found: Any = importlib.import_module(module)
    for part in qualified_name.split("."):
        found = getattr(found, part)
    return found
