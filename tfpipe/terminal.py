"""Keep native libraries' stderr (TensorFlow's C++ logging, absl, gRPC) out of the terminal.

TensorFlow writes its start-up lines (`absl::InitializeLog`, `cudart_stub`, `cuInit`) from
C++ straight to file descriptor 2, whatever Python's logging says, and some are written
later than the import (cuInit at the first op). So for the whole run, descriptor 2 goes to
a log file in the workdir, and Python's `sys.stderr` (progress, the summary, errors) is
re-opened on a copy of the terminal's descriptor. Child processes inherit both: a forked
component prints progress to the terminal; native code anywhere writes to the log.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass
from collections.abc import Iterator
from typing import Any

LOG_NAME = "last-run.log"


@dataclass
class NativeLog:
    """Where descriptor 2 went, and how to put it back."""

    path: str
    saved_fd: int
    saved_stderr: Any
    created: list[str]  # folders made for the log, innermost first

    def discard_if_empty(self) -> bool:
        """Remove an empty log and the folders made for it (a run refused before any work)."""
        with contextlib.suppress(OSError):  # already gone, or a folder someone else filled
            if os.path.getsize(self.path):
                return False
            os.remove(self.path)
            for folder in self.created:
                os.rmdir(folder)
        return True

    def restore(self) -> None:
        """Point descriptor 2 and sys.stderr back at the terminal."""
        terminal = sys.stderr
        terminal.flush()
        os.dup2(self.saved_fd, 2)
        sys.stderr = self.saved_stderr
        os.close(self.saved_fd)
        if terminal is not self.saved_stderr:
            terminal.close()


def log_path(workdir: str) -> str:
    """<workdir>/logs/last-run.log."""
    return os.path.join(os.path.abspath(workdir), "logs", LOG_NAME)


def writes_to_fd2() -> bool:
    """True when sys.stderr is descriptor 2 (not a notebook's or a test's capture)."""
    try:
        return sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


def divert_native_stderr(path: str) -> NativeLog:
    """Send descriptor 2 to `path` (truncated); keep sys.stderr on the terminal."""
    created = []
    folder = os.path.dirname(path)
    while folder and not os.path.exists(folder):
        created.append(folder)
        folder = os.path.dirname(folder)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    return _point_fd2_at(log_fd, path, created)


@contextlib.contextmanager
def native_stderr_discarded() -> Iterator[None]:
    """Inside the block, native libraries' writes to descriptor 2 are dropped (for commands
    with no workdir log, such as predict); sys.stderr still reaches the terminal."""
    if not writes_to_fd2():
        yield
        return
    native = _point_fd2_at(os.open(os.devnull, os.O_WRONLY), os.devnull, [])
    try:
        yield
    finally:
        native.restore()


def _point_fd2_at(target_fd: int, path: str, created: list[str]) -> NativeLog:
    """Descriptor 2 onto target_fd (closed here); sys.stderr onto a copy of the old one."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    terminal = io.TextIOWrapper(io.FileIO(os.dup(saved_fd), "w"), encoding="utf-8",
                                errors="backslashreplace", line_buffering=True,
                                write_through=True)
    os.dup2(target_fd, 2)
    os.close(target_fd)
    saved = sys.stderr
    sys.stderr = terminal
    return NativeLog(path, saved_fd, saved, created)
