"""Stopping a run by signal: Ctrl-C and SIGTERM end it like a failure, recorded and cleaned up."""
from __future__ import annotations

import signal
import threading
from types import FrameType


class Terminated(BaseException):
    """SIGTERM arrived (an orchestrator stopping its task, `timeout`, `kill`)."""


def raise_on_sigterm() -> None:
    """From now on SIGTERM raises Terminated in the main thread, as Ctrl-C raises
    KeyboardInterrupt, so locks, scratch and the MLflow run are closed on the way out."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def stop_reason(error: BaseException) -> str | None:
    """'interrupted (Ctrl-C)' or 'terminated (SIGTERM)' for a stop by signal, else None."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(error, Terminated):
        return "terminated (SIGTERM)"
    return None


def exit_code(error: BaseException) -> int:
    """The shell's code for a process ended by the signal: 128 + its number."""
    number = signal.SIGTERM if isinstance(error, Terminated) else signal.SIGINT
    return 128 + int(number)


def ignore_stop_signals() -> None:
    """For a helper whose parent ends it: Ctrl-C and SIGTERM sent to the whole process group
    must not kill it before the parent has recorded why the run stopped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def default_stop_signals() -> None:
    """Undo ignore_stop_signals: `kill PID` (SIGTERM) and SIGINT end this process again."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
