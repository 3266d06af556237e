"""The runner hook that turns run state into plain tracking events for a tracker."""
from __future__ import annotations

from typing import Any, Protocol

from tfpipe.pipeline import Node
from tfpipe.runner import Outcome, RunState
from tfpipe.tracking import ComponentEvent, RunEnd


class Tracker(Protocol):
    """MlflowTracker in this process, or BackgroundTracker forwarding to one in another."""

    run_id: str
    registered: dict[str, Any] | None

    def start(self) -> None: ...

    def confirm(self, wait: bool) -> None: ...

    def record_component(self, event: ComponentEvent) -> None: ...

    def finish(self, end: RunEnd) -> None: ...

    def fail(self, message: str) -> None: ...


def component_event(node: Node, outcome: Outcome) -> ComponentEvent:
    """The picklable facts of one finished component."""
    return ComponentEvent(name=node.name, cached=outcome.cached, key=outcome.key,
                          reason=outcome.reason, seconds=outcome.seconds,
                          directory=outcome.record.directory, report=outcome.record.report)


def run_end(state: RunState, seconds: float) -> RunEnd:
    """Total seconds, the evaluation's metrics and the pushed version of a finished run."""
    evaluation = state.outcomes.get("evaluate")
    metrics = evaluation.record.report.get("metrics", {}) if evaluation is not None else {}
    pushed = state.outcomes.get("push")
    version = pushed.record.report.get("summary", {}).get("version") if pushed else None
    return RunEnd(seconds=seconds, metrics={k: float(v) for k, v in metrics.items()},
                  pushed_version=version)


class TrackingHook:
    """RunHook: forwards the runner's events to a tracker as plain data."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self._started = False

    def pipeline_started(self, state: RunState) -> None:
        """Nothing yet: the tracker starts when the first component has finished."""

    def _start(self) -> None:
        # MLflow's import and store set-up take seconds of CPU. During the first component
        # both cores are busy (the warm start runs ingest beside the heavy imports); during
        # transform the second core is mostly idle.
        if not self._started:
            self._started = True
            self.tracker.start()

    def component_starting(self, state: RunState, node: Node) -> None:
        """Stop on a tracker failure; before a publishing component, wait for the parent run."""
        # Waiting only there keeps MLflow's start-up off the critical path, and a run whose
        # tracking fails still publishes nothing; its finished artifacts stay cached.
        if node.component.publishes:
            self._start()
        if self._started:
            self.tracker.confirm(wait=node.component.publishes)

    def component_finished(self, state: RunState, node: Node, outcome: Outcome) -> None:
        """Record one component."""
        self._start()
        self.tracker.record_component(component_event(node, outcome))

    def pipeline_finished(self, state: RunState, seconds: float) -> None:
        """Close the parent run with the headline."""
        self._start()
        self.tracker.finish(run_end(state, seconds))

    def pipeline_failed(self, state: RunState, error: BaseException) -> None:
        """Mark the parent run failed."""
        self._start()
        self.tracker.fail(str(error))
