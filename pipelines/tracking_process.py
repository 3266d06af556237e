"""MLflow tracking in a spawned process, so MLflow's import and store set-up overlap the run.

The parent sends plain events over a pipe and never imports MLflow. It waits for the
child's acknowledgement of the parent run at the first component, so a bad tracking URI
still stops the pipeline before its second component, and for every record at the end,
so the run id and registered model in the summary are final.
"""
from __future__ import annotations

import multiprocessing
import sys
import traceback
from typing import Any

from tfpipe.pipelines.config import RunPaths
from tfpipe.pipelines.errors import TfpipeError
from tfpipe.pipelines.tracking import ComponentEvent, MlflowTracker, RunEnd


class TrackingFailed(TfpipeError):
    """MLflow could not record the run; names the tracking URI and MLflow's error."""


def serve(connection: Any, tracker: MlflowTracker) -> None:
    """Child loop: apply each (method, argument) to the tracker; report the outcome."""
    try:
        for method, argument in iter(connection.recv, None):
            if method == "start":
                tracker.start()
                connection.send(("started", tracker.run_id))
            elif method == "fail":
                tracker.fail(argument)
            else:
                getattr(tracker, method)(argument)
        connection.send(("done", {"run_id": tracker.run_id, "registered": tracker.registered}))
    except BaseException as error:  # noqa: BLE001 - sent to the parent, raised as TrackingFailed
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        connection.send(("error", detail))
    finally:
        connection.close()


class BackgroundTracker:
    """A Tracker whose MlflowTracker runs in a child process."""

    def __init__(self, paths: RunPaths, experiment_name: str, task: str,
                 config: dict[str, Any], data: str) -> None:
        self.tracking_uri = paths.tracking_uri
        self.run_id = ""
        self.registered: dict[str, Any] | None = None
        self._tracker = MlflowTracker(paths, experiment_name, task, config, data)
        self._connection: Any = None
        self._process: Any = None

    def start(self) -> None:
        """Spawn the child and ask it to open the parent run; does not wait."""
        context = multiprocessing.get_context("spawn")  # never fork a process holding TF
        parent, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child, self._tracker),
                                        name="tfpipe-mlflow", daemon=True)
        self._process.start()
        child.close()
        self._connection = parent
        self._send("start", None)

    def record_component(self, event: ComponentEvent) -> None:
        """Queue one component's record; the first call waits until the parent run is open."""
        if not self.run_id:
            kind, value = self._receive()
            if kind != "started":
                self._fail_with(value)
            self.run_id = value
        self._send("record_component", event)

    def finish(self, end: RunEnd) -> None:
        """Close the parent run and wait until every record is written."""
        self._send("finish", end)
        self._close()

    def fail(self, message: str) -> None:
        """Mark the parent run failed, if the child is still there to do it."""
        if self._connection is None:
            return
        try:
            self._send("fail", message)
            self._close()
        except TrackingFailed as error:  # never hide the pipeline's own error
            print(f"warning: could not record the failure in MLflow: {error}", file=sys.stderr)

    def _close(self) -> None:
        self._send_raw(None)
        kind, value = self._receive()
        while kind == "started":
            self.run_id = value
            kind, value = self._receive()
        if kind != "done":
            self._fail_with(value)
        self.run_id, self.registered = value["run_id"], value["registered"]
        self._connection.close()
        self._connection = None
        self._process.join()

    def _send(self, method: str, argument: Any) -> None:
        self._send_raw((method, argument))

    def _send_raw(self, message: Any) -> None:
        try:
            self._connection.send(message)
        except (BrokenPipeError, OSError):
            self._fail_with(self._drain())

    def _receive(self) -> tuple[str, Any]:
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            return ("error", f"the tracking process exited with code {self._exit_code()}")

    def _drain(self) -> str:
        """The child's last message after a broken pipe, or how it exited."""
        try:
            while True:
                kind, value = self._connection.recv()
                if kind == "error":
                    return value
        except (EOFError, OSError):
            return f"the tracking process exited with code {self._exit_code()}"

    def _exit_code(self) -> Any:
        self._process.join(timeout=5)
        return self._process.exitcode

    def _fail_with(self, detail: str) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        raise TrackingFailed(f"MLflow tracking at {self.tracking_uri} failed: {detail}")
