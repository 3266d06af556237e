"""Runs left RUNNING by a process that is gone are closed: KILLED, with the reason.

Each MLflow run tfpipe opens records its owner: host, pid and the process's start time (so
a reused pid is not mistaken for the owner). The next run of the pipeline sweeps its
experiment: a RUNNING run whose owner on this host no longer exists is set KILLED and tagged
`tfpipe.end_reason`. Runs of other hosts, and runs without an owner, are left alone: nothing
here can tell whether they still run. A parent tagged `tfpipe.orchestrator_run_id` spans the
processes of an orchestrator's tasks and is owned by none of them; only its children are
swept, each by its own owner.
"""
from __future__ import annotations

import os
import socket
from typing import Any

HOST_TAG = "tfpipe.host"
PID_TAG = "tfpipe.pid"
STARTED_TAG = "tfpipe.pid_started"
REASON_TAG = "tfpipe.end_reason"
ORCHESTRATOR_TAG = "tfpipe.orchestrator_run_id"
PARENT_TAG = "mlflow.parentRunId"
START_TOLERANCE = 1.0  # seconds; psutil's start times are exact to a clock tick


def process_started(pid: int) -> float | None:
    """The start time (epoch seconds) of a live process, or None when there is none."""
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def owner_tags(pid: int | None = None) -> dict[str, str]:
    """Tags naming this process (or `pid`) as a run's owner."""
    pid = os.getpid() if pid is None else pid
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(pid),
            STARTED_TAG: f"{process_started(pid) or 0.0:.3f}"}


def owner_gone(tags: dict[str, str]) -> str | None:
    """Why the owner named by a run's tags is gone, or None when it may still run (or the
    tags name no owner on this host)."""
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
        return None
    pid = int(tags[PID_TAG])
    started = process_started(pid)
    if started is None:
        return f"its process {pid} on {tags[HOST_TAG]} ended without closing the run"
    try:
        recorded = float(tags.get(STARTED_TAG, ""))
    except ValueError:
        return None
    if abs(started - recorded) > START_TOLERANCE:
        return (f"its process {pid} on {tags[HOST_TAG]} ended without closing the run "
                f"(pid {pid} now belongs to a later process)")
    return None


def sweepable(tags: dict[str, str]) -> bool:
    """False for an orchestrated parent, which no single process owns."""
    return not (tags.get(ORCHESTRATOR_TAG) and not tags.get(PARENT_TAG))


def sweep_stale_runs(client: Any, experiment_ids: list[str]) -> list[str]:
    """Set KILLED every RUNNING run of the experiments whose owner is gone; their ids."""
    swept: list[str] = []
    page_token = None
    while True:
        page = client.search_runs(experiment_ids, "attributes.status = 'RUNNING'",
                                  max_results=1000, page_token=page_token)
        for run in page:
            tags = run.data.tags
            reason = owner_gone(tags) if sweepable(tags) else None
            if reason is None:
                continue
            client.set_tag(run.info.run_id, REASON_TAG, f"KILLED: {reason}")
            client.set_terminated(run.info.run_id, "KILLED")
            swept.append(run.info.run_id)
        page_token = page.token
        if not page_token:
            return swept
