"""One writer per (workdir, pipeline): an OS file lock that dies with its process.

`fcntl.flock` on `<workdir>/locks/<pipeline>.lock`: the kernel drops the lock when the
holding process (and any child it forked) ends, however it ends, so a killed run never
leaves a lock that blocks the next one. The file's content (the holder's pid) is only for
the waiting message; the file itself is never deleted, which keeps the lock race-free.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator

from tfpipe.errors import TfpipeError
from tfpipe.files import ensure_within

LOCKS_DIR = "locks"


class PipelineBusy(TfpipeError):
    """Another process runs this pipeline on this workdir and the caller chose not to wait."""


def lock_path(workdir: str, pipeline: str) -> str:
    """`<workdir>/locks/<pipeline>.lock`, checked to lie under the workdir."""
    return ensure_within(os.path.join(workdir, LOCKS_DIR, f"{pipeline}.lock"), [workdir],
                         f"pipeline {pipeline!r}: lock file")


@contextlib.contextmanager
def pipeline_lock(workdir: str, pipeline: str, wait: bool = True,
                  quiet: bool = False) -> Iterator[str]:
    """Hold the pipeline's lock for the block: wait for it (saying so) or, with wait=False,
    raise PipelineBusy naming the holder."""
    path = lock_path(workdir, pipeline)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            if not wait:
                raise PipelineBusy(
                    f"pipeline {pipeline!r} in {workdir} is being run by {holder}; run again "
                    f"when it ends (without --no-wait, tfpipe waits for it)") from None
            if not quiet:
                print(f"waiting for {holder}, which is running pipeline {pipeline!r} in "
                      f"{workdir} (its results will be reused from the cache)",
                      file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(handle)  # releases the lock


def _holder(handle: int) -> str:
    """'process N' from the lock file, or 'another process' when it names none."""
    text = os.pread(handle, 64, 0).decode("ascii", "replace").strip()
    return f"process {text}" if text.isdigit() else "another process"
