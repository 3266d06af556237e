"""MLflow tracking in a child process, so MLflow's import and store set-up overlap the run.

The parent sends plain events over a pipe and never imports MLflow. Before each component
it checks, without waiting, whether the child has failed; before a publishing component
(push) it waits for the child's acknowledgement of the parent run, so a run whose tracking
fails never publishes. At the end it waits for every record, so the run id and registered
model in the summary are final. The child is a fresh interpreter running `main`, not a
multiprocessing spawn, so a caller's script without a `__main__` guard is never re-imported.
A run first looks for a tracking process left waiting in its workdir by an earlier run
(tfpipe/tracking_server.py) and starts a child only when there is none.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
from multiprocessing.connection import Connection
from typing import Any

from tfpipe.config import RunPaths
from tfpipe.errors import TfpipeError
from tfpipe.mlflow_env import MLFLOW_ENV_DEFAULTS
from tfpipe.tracking import ComponentEvent, MlflowTracker, RunEnd
from tfpipe.tracking_check import masked
from tfpipe.tracking_server import (SessionOptions, claim_server, code_fingerprint, current_umask,
                                    stay_ready)
from tfpipe.warm_start import collector_paused


# Ctrl-C and SIGTERM reach the whole process group; the child ignores them from its first
# statement, so it is still there to record why its parent stopped.
CHILD_COMMAND = ("from tfpipe.interrupts import ignore_stop_signals; ignore_stop_signals(); "
                 "import sys; from tfpipe.tracking_process import main; main(sys.argv[1:])")
# Seconds without a new event after which the child warms up registration; events already
# queued (a cached run's records) go first.
IDLE_BEFORE_WARMING = 0.3
# Seconds to wait, after the run's pipe closed without a word, for its process to be gone.
OWNER_EXIT_SECONDS = 30.0


class TrackingFailed(TfpipeError):
    """MLflow could not record the run; names the tracking URI and MLflow's error."""


def serve(requests: Connection, replies: Connection) -> bool:
    """Child loop: take the tracker, apply each (method, argument) to it; report the outcome.

    True when every record was written and the parent told so.
    """
    try:
        tracker: MlflowTracker = requests.recv()
    except EOFError:  # the parent ended before it sent a run to record
        return False
    try:
        warmed = False
        for method, argument in iter(requests.recv, None):
            if method == "start":
                with collector_paused():  # MLflow's import makes many lasting objects
                    tracker.start()
                replies.send(("started", tracker.run_id))
            elif method == "fail":
                tracker.fail(argument)
            else:
                getattr(tracker, method)(argument)
            # At the first pause in the events, not only right after the start: the parent
            # starts this process when the first component ends and sends its record at once.
            if not warmed and method != "finish" and not requests.poll(IDLE_BEFORE_WARMING):
                warm_registration()
                warmed = True
        replies.send(("done", {"run_id": tracker.run_id, "registered": tracker.registered}))
        return True
    except EOFError:  # the run's process ended without a word (killed outright, SIGKILL)
        with contextlib.suppress(Exception):  # else the next run's sweep closes the runs
            tracker.close_if_abandoned(OWNER_EXIT_SECONDS)
        return False
    except BaseException as error:  # noqa: BLE001 - sent to the parent, raised as TrackingFailed
        detail = first_line(error)
        with contextlib.suppress(OSError):  # a parent that is gone cannot be told
            replies.send(("error", detail))
        return False
    finally:
        replies.close()


def first_line(error: BaseException) -> str:
    """'Type: message' cut to its first line (SQLAlchemy's errors append the SQL and a link)."""
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    return text.splitlines()[0] if text else type(error).__name__


def warm_registration() -> None:
    """Do now, while the components run, the slow first steps of registering a pushed model."""
    # MLflow's save_model compares the model's pip requirements with the installed packages
    # through a module->distribution map it builds on first use by reading every installed
    # distribution's file list: the bulk of a registration, at the end of the run otherwise.
    with contextlib.suppress(Exception):  # only a head start: registration works without it
        import mlflow.pyfunc  # noqa: F401
        from mlflow.utils import requirements_utils

        if requirements_utils._MODULES_TO_PACKAGES is None:  # once per process
            requirements_utils._init_packages_to_modules_map()


class BackgroundTracker:
    """A Tracker whose MlflowTracker runs in a child process."""

    def __init__(self, paths: RunPaths, experiment_name: str, task: str,
                 config: dict[str, Any], data: str,
                 tracker: MlflowTracker | None = None, keepalive: float = 0) -> None:
        self.tracking_uri = paths.tracking_uri
        self.workdir = paths.workdir
        # Seconds the tracking process stays ready for the workdir's next run; 0: none.
        self.keepalive = keepalive
        self.run_id = ""
        self.registered: dict[str, Any] | None = None
        # `tracker` replaces the default one (e.g. an orchestrated component's).
        self._tracker = tracker or MlflowTracker(paths, experiment_name, task, config, data)
        self._requests: Connection | None = None
        self._replies: Connection | None = None
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        """Reach a waiting tracking process, else start a child; ask it to open the parent run."""
        environ = {**MLFLOW_ENV_DEFAULTS, **os.environ}
        # With a keepalive of 0 a waiting process is used all the same, and exits after.
        fingerprint = code_fingerprint()
        session = claim_server(self.workdir, fingerprint)
        if session is None:
            self._start_child(environ)
        else:
            self._requests = self._replies = session
        self._send(SessionOptions(workdir=self.workdir, keepalive=self.keepalive,
                                  fingerprint=fingerprint, environ=environ, cwd=os.getcwd(),
                                  umask=current_umask()))
        self._send(self._tracker)
        self._send(("start", None))

    def _start_child(self, environ: dict[str, str]) -> None:
        """A fresh interpreter serving this run over two pipes."""
        child_reads, parent_writes = os.pipe()
        parent_reads, child_writes = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-c", CHILD_COMMAND, str(child_reads), str(child_writes)],
            pass_fds=(child_reads, child_writes), stdin=subprocess.DEVNULL, env=environ)
        os.close(child_reads)
        os.close(child_writes)
        self._requests = Connection(parent_writes, readable=False)
        self._replies = Connection(parent_reads, writable=False)

    def confirm(self, wait: bool) -> None:
        """Raise TrackingFailed if the child has failed; with `wait`, until the run is open."""
        # After "started" the child only speaks to report an error (or exits), so a pending
        # message or end of file here is always a failure.
        assert self._replies is not None, "start() first"
        while (wait and not self.run_id) or self._replies.poll():
            kind, value = self._receive()
            if kind != "started":
                self._fail_with(value)
            self.run_id = value

    def record_component(self, event: ComponentEvent) -> None:
        """Queue one component's record; does not wait for it to be written."""
        self._send(("record_component", event))

    def finish(self, end: RunEnd) -> None:
        """Close the parent run and wait until every record is written."""
        self._send(("finish", end))
        self._close()

    def fail(self, message: str) -> None:
        """Mark the parent run failed, if the child is still there to do it."""
        if self._requests is None:
            return
        try:
            self._send(("fail", message))
            self._close()
        except TrackingFailed as error:  # never hide the pipeline's own error
            print(f"warning: could not record the failure in MLflow: {error}", file=sys.stderr)

    def _close(self) -> None:
        self._send(None)
        kind, value = self._receive()
        while kind == "started":
            self.run_id = value
            kind, value = self._receive()
        if kind != "done":
            self._fail_with(value)
        self.run_id, self.registered = value["run_id"], value["registered"]
        self._disconnect()
        if self._process is not None:  # else a waiting process served the run: it stays
            self._process.wait()

    def _send(self, message: Any) -> None:
        assert self._requests is not None, "start() first"
        try:
            self._requests.send(message)
        except OSError:  # the child is gone; its last words say why
            kind, value = self._receive()
            self._fail_with(value if kind == "error" else self._exited())

    def _receive(self) -> tuple[str, Any]:
        assert self._replies is not None, "start() first"
        try:
            return self._replies.recv()
        except (EOFError, OSError):
            return ("error", self._exited())

    def _exited(self) -> str:
        if self._process is None:
            return "the waiting tracking process closed the connection"
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        return f"the tracking process exited with code {code}"

    def _disconnect(self) -> None:
        for connection in (self._requests, self._replies):
            if connection is not None:
                connection.close()
        self._requests = self._replies = None

    def _fail_with(self, detail: str) -> None:
        self._disconnect()
        raise TrackingFailed(f"MLflow tracking at {masked(self.tracking_uri)} failed: {detail}")


def main(argv: list[str]) -> None:
    """Child entry point: serve over the two inherited pipe descriptors, then exit at once."""
    requests = Connection(int(argv[0]), writable=False)
    try:
        options: SessionOptions = requests.recv()
    except EOFError:  # the parent ended before it started a run
        os._exit(0)
    clean = serve(requests, Connection(int(argv[1]), readable=False))
    requests.close()
    sys.stderr.flush()
    if clean:
        stay_ready(options, serve)  # returns in this process; a forked copy may stay
    os._exit(0)  # every record is committed; tearing MLflow's modules down is slow

