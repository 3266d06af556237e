"""MLflow tracking of one component of an orchestrated run: one parent per orchestrator run id.

An orchestrator (Airflow, KFP) runs each component in its own process, possibly on another
worker. Every process of one orchestrator run finds the parent run by its tag
`tfpipe.orchestrator_run_id` (creating it if it is the first) and adds its own nested run,
tagged with the host and pid that own it. The parent belongs to no single process: the last
component of the pipeline finishes it, and a failing component marks it failed (a retried
component that then succeeds lets the last component finish it after all).
"""
from __future__ import annotations

import re
import time
from typing import Any

from tfpipe.config import RunPaths
from tfpipe.errors import InputError
from tfpipe.tracking import MlflowTracker, RunEnd

ORCHESTRATOR_TAG = "tfpipe.orchestrator_run_id"
# Airflow's run ids ("manual__2026-12-02T07:00:00+00:00") and KFP's UUIDs; no quotes, so the
# id can sit in an MLflow search filter as it is.
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9_.:+@/ -]{1,250}")


def check_orchestrator_run_id(run_id: str) -> str:
    """The id itself, or InputError naming what is allowed."""
    if not RUN_ID_PATTERN.fullmatch(run_id):
        raise InputError(f"--run-id {run_id!r}: expected 1-250 letters, digits, spaces or "
                         f"_ . : + @ / - (an orchestrator's run id)")
    return run_id


class OrchestratedTracker(MlflowTracker):
    """The tracker of one component process of an orchestrator run."""

    def __init__(self, paths: RunPaths, experiment_name: str, task: str,
                 config: dict[str, Any], data: str, orchestrator_run_id: str,
                 closes_parent: bool) -> None:
        super().__init__(paths, experiment_name, task, config, data)
        self.orchestrator_run_id = check_orchestrator_run_id(orchestrator_run_id)
        self.closes_parent = closes_parent

    def start(self) -> None:
        """Join the orchestrator run's parent run, opening it if this is its first component."""
        self.open_experiment()
        parents = self.parents()
        if not parents:
            mine = self.create_parent({ORCHESTRATOR_TAG: self.orchestrator_run_id})
            parents = self.parents()
            # Two first components racing both create one; the oldest wins, the others go.
            if parents and parents[0].info.run_id != mine:
                self.client.delete_run(mine)
        self.run_id = parents[0].info.run_id

    def parents(self) -> list[Any]:
        """Parent runs tagged with this orchestrator run id, oldest first."""
        runs = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.`{ORCHESTRATOR_TAG}` = '{self.orchestrator_run_id}'",
            order_by=["attributes.start_time ASC"], max_results=50)
        parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
        return sorted(parents, key=lambda r: (r.info.start_time, r.info.run_id))

    def component_tags(self) -> dict[str, str]:
        """The process that owns the nested run (a sweep may mark a dead owner's run failed)."""
        return {**self.owner, ORCHESTRATOR_TAG: self.orchestrator_run_id}

    def finish(self, end: RunEnd) -> None:
        """Close the parent only from the pipeline's last component; total = since it opened."""
        if not self.closes_parent:
            return
        parent = self.client.get_run(self.run_id)
        seconds = max(0.0, time.time() - parent.info.start_time / 1000)
        super().finish(RunEnd(seconds=seconds, metrics=end.metrics,
                              pushed_version=end.pushed_version))
