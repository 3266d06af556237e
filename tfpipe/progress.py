"""Progress of a long step: a rich bar with counts and an estimate on a terminal, plain lines elsewhere.

A bar lives in the process that runs the step (ingest's forked child, or the runner's
process). Beam stages reach it by name through `advance`, so what they carry stays picklable;
a stage running in another process (a multi-process or remote runner) finds no bar and
counts nothing.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable

_ACTIVE: dict[str, "Bar"] = {}
_LOCK = threading.Lock()


class Bar:
    """Counts toward an optional total; `live` is True when drawn as a bar on a terminal."""

    live = False

    def __init__(self, name: str, description: str, total: int | None, unit: str,
                 log: Callable[[str], None]) -> None:
        self.name = name
        self.description = description
        self.total = total
        self.unit = unit
        self.count = 0
        self.status = ""
        self.log = log
        self.started = time.perf_counter()

    def advance(self, amount: int = 1) -> None:
        """Count `amount` more units done."""
        self.count += amount

    def goto(self, count: int) -> None:
        """Set the count of units done."""
        self.count = count

    def update(self, description: str | None = None, total: int | None = None,
               status: str | None = None) -> None:
        """Change what the bar says, how many units it expects, or its trailing status."""
        if description is not None:
            self.description = description
        if total is not None:
            self.total = total
        if status is not None:
            self.status = status

    def close(self) -> None:
        """Stop drawing; a plain bar says how much it counted."""
        _ACTIVE.pop(self.name, None)
        if self.count:
            seconds = time.perf_counter() - self.started
            self.log(f"{self.description}: {self.count} {self.unit} in {seconds:.1f}s")

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RichBar(Bar):
    """A rich progress bar on stderr: description, bar, done/total, elapsed and remaining."""

    live = True

    def __init__(self, name: str, description: str, total: int | None, unit: str,
                 log: Callable[[str], None]) -> None:
        super().__init__(name, description, total, unit, log)
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                                   TextColumn, TimeElapsedColumn, TimeRemainingColumn)

        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
            MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn(),
            TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
            console=Console(file=sys.stderr), transient=True, refresh_per_second=4)
        self._task = self._progress.add_task(description, total=total, status="")
        self._progress.start()

    def advance(self, amount: int = 1) -> None:
        """Count `amount` more units done."""
        with _LOCK:
            super().advance(amount)
            self._progress.update(self._task, completed=self.count)

    def goto(self, count: int) -> None:
        """Set the count of units done."""
        with _LOCK:
            super().goto(count)
            self._progress.update(self._task, completed=self.count)

    def update(self, description: str | None = None, total: int | None = None,
               status: str | None = None) -> None:
        """Change what the bar says, how many units it expects, or its trailing status."""
        super().update(description, total, status)
        self._progress.update(self._task, description=self.description, total=self.total,
                              status=self.status)

    def close(self) -> None:
        """Remove the bar from the terminal."""
        _ACTIVE.pop(self.name, None)
        self._progress.stop()


def wants_bars(quiet: bool) -> bool:
    """Bars only for a person watching: stderr is a terminal and --quiet was not given."""
    isatty = getattr(sys.stderr, "isatty", None)
    return not quiet and bool(isatty and isatty())


def open_bar(name: str, description: str, total: int | None, unit: str, quiet: bool,
             log: Callable[[str], None]) -> Bar:
    """A bar registered under `name` (RichBar on a terminal, else plain lines through log)."""
    kind = RichBar if wants_bars(quiet) else Bar
    bar = kind(name, description, total, unit, log)
    _ACTIVE[name] = bar
    return bar


def advance(name: str, amount: int = 1) -> None:
    """Advance the bar registered under `name` in this process, if there is one."""
    bar = _ACTIVE.get(name)
    if bar is not None:
        bar.advance(amount)
