"""The runner hook that turns run state into plain tracking events for a tracker."""
from __future__ import annotations

import time
from typing import Any, Protocol

from tfpipe.errors import describe
from tfpipe.interrupts import stop_reason
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


def component_event(node: Node, outcome: Outcome, started_at: float = 0.0,
                    ended_at: float = 0.0) -> ComponentEvent:
    """The picklable facts of one finished component, with its wall-clock span."""
    return ComponentEvent(name=node.name, cached=outcome.cached, key=outcome.key,
                          reason=outcome.reason, seconds=outcome.seconds,
                          directory=outcome.record.directory, report=outcome.record.report,
                          fingerprint=outcome.record.fingerprint, started_at=started_at,
                          ended_at=ended_at)


def run_end(state: RunState, seconds: float, ended_at: float = 0.0) -> RunEnd:
    """Total seconds, the pushed version and the cached components of a finished run."""
    pushed = state.outcomes.get("push")
    summary = pushed.record.report.get("summary", {}) if pushed else {}
    version = summary.get("version") if summary.get("pushed") else None
    return RunEnd(seconds=seconds, pushed_version=version, ended_at=ended_at,
                  cached=tuple(name for name, o in state.outcomes.items() if o.cached))


class TrackingHook:
    """RunHook: forwards the runner's events to a tracker as plain data."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self._started = False
        self._began: dict[str, float] = {}  # component -> wall-clock start

    def pipeline_started(self, state: RunState) -> None:
        """Nothing yet: the tracker starts when the first component has finished."""

    def _start(self) -> None:
        # MLflow's import and store set-up take seconds of CPU. During a first component that
        # runs, both cores are busy (the warm start runs ingest beside the heavy imports);
        # during transform the second core is mostly idle. A first component served from
        # cache ends at once, so a cached run starts the tracker almost immediately.
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
        self._began[node.name] = time.time()

    def component_finished(self, state: RunState, node: Node, outcome: Outcome) -> None:
        """Record one component."""
        ended = time.time()
        self._start()
        self.tracker.record_component(component_event(node, outcome,
                                                      self._began.get(node.name, 0.0), ended))

    def pipeline_finished(self, state: RunState, seconds: float) -> None:
        """Close the parent run with the headline."""
        ended = time.time()
        self._start()
        self.tracker.finish(run_end(state, seconds, ended))

    def pipeline_failed(self, state: RunState, error: BaseException) -> None:
        """Mark the parent run failed, saying why (a stop by signal says which)."""
        self._start()
        self.tracker.fail(stop_reason(error) or describe(error))
