"""A Beam pipeline whose failed run is reported in one line naming the runner."""
from __future__ import annotations

import re
from types import TracebackType
from typing import Any

import apache_beam as beam

from tfpipe.errors import ComponentFailed, TfpipeError, rpc_status

TRACEBACK_HEAD = "Traceback (most recent call last):"


class BeamJobFailed(TfpipeError):
    """A Beam job failed on its runner or lost its job service or a worker."""


class ReportingPipeline(beam.Pipeline):
    """beam.Pipeline, run on exit; a failed job becomes one line naming the runner."""

    def __init__(self, component: str, where: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._component = component
        self._where = where

    def __exit__(self, exc_type: type[BaseException] | None, exc_val: BaseException | None,
                 exc_tb: TracebackType | None) -> None:
        try:
            super().__exit__(exc_type, exc_val, exc_tb)
        except Exception as error:
            message = job_failure(self._where, error) if exc_type is None else None
            if message is None:
                raise
            raise ComponentFailed(self._component, BeamJobFailed(message)) from error


def job_failure(where: str, error: BaseException) -> str | None:
    """One line for a gRPC failure or a job failure carrying its service's traceback, else None."""
    status = rpc_status(error)
    text = str(error)
    if status is None and TRACEBACK_HEAD not in text:
        return None
    head = " ".join(text.split(TRACEBACK_HEAD)[0].split())
    final = status or remote_error(text.rsplit(TRACEBACK_HEAD, 1)[1])
    if final.startswith("gRPC "):
        return (f"the Beam job on {where} lost its job service or a worker ({final}); check "
                "that they are running and reachable from here, then run again (finished "
                "components stay cached)")
    return (f"the Beam job on {where} failed: {head} {final} (its traceback is in the run's "
            "logs/last-error.txt)")


def remote_error(frames: str) -> str:
    """The final error of a traceback's text; a gRPC status when the error is one."""
    code = re.search(r"status = StatusCode\.(\w+)", frames)
    details = re.search(r'details = "(.*)"', frames)
    if code:
        return f"gRPC {code.group(1)}: {details.group(1) if details else ''}".strip()
    lines = [line for line in frames.splitlines() if line.strip()]
    errors = [line for line in lines if not line.startswith((" ", "\t"))]
    return errors[-1].strip() if errors else (lines[-1].strip() if lines else "")
