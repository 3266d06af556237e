"""Runs whose process is gone are closed KILLED with the reason; live, foreign and
orchestrated runs are left alone (a real sqlite MLflow store)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tfpipe.run_sweep import (
    ORCHESTRATOR_TAG,
    PARENT_TAG,
    REASON_TAG,
    owner_gone,
    owner_tags,
    sweep_stale_runs,
)


@pytest.fixture
def client(tmp_path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_owner_of_this_process_is_alive_and_a_finished_one_is_gone():
    assert owner_gone(owner_tags()) is None
    pid = dead_pid()
    tags = {**owner_tags(), "tfpipe.pid": str(pid)}
    assert f"process {pid}" in owner_gone(tags)


def test_a_reused_pid_is_not_the_owner():
    tags = {**owner_tags(), "tfpipe.pid_started": "12.000"}  # this pid, an older process
    assert "now belongs to a later process" in owner_gone(tags)


def test_sweep_closes_only_runs_whose_owner_is_gone(client):
    experiment = client.create_experiment("p")
    gone = {**owner_tags(), "tfpipe.pid": str(dead_pid())}

    def run(tags):
        return client.create_run(experiment, tags=tags).info.run_id

    dead_parent = run(gone)
    dead_child = run({**gone, PARENT_TAG: dead_parent})
    alive = run(owner_tags())
    foreign = run({**gone, "tfpipe.host": "another-host"})
    unowned = run({})
    orchestrated = run({ORCHESTRATOR_TAG: "dag-run-1", **gone})
    orchestrated_child = run({**gone, PARENT_TAG: orchestrated, ORCHESTRATOR_TAG: "dag-run-1"})
    swept = sweep_stale_runs(client, [experiment])
    assert sorted(swept) == sorted([dead_parent, dead_child, orchestrated_child])
    for run_id in swept:
        closed = client.get_run(run_id)
        assert closed.info.status == "KILLED" and closed.info.end_time
        assert "ended without closing the run" in closed.data.tags[REASON_TAG]
    for run_id in (alive, foreign, unowned, orchestrated):
        assert client.get_run(run_id).info.status == "RUNNING"
    assert sweep_stale_runs(client, [experiment]) == []


def test_a_failed_run_closes_its_running_children_at_once(tmp_path):
    from tfpipe.config import RunPaths
    from tfpipe.tracking import MlflowTracker

    paths = RunPaths(workdir=str(tmp_path), artifacts=str(tmp_path / "artifacts"),
                     serving=str(tmp_path / "serving"),
                     tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                     mlartifacts=str(tmp_path / "mlartifacts"))
    tracker = MlflowTracker(paths, "p", "forecasting", {}, str(tmp_path))
    tracker.start()
    child = tracker.client.create_run(tracker.experiment_id,
                                      tags={PARENT_TAG: tracker.run_id}).info.run_id
    tracker.fail("component train failed: boom")
    assert tracker.client.get_run(tracker.run_id).info.status == "FAILED"
    closed = tracker.client.get_run(child)
    assert closed.info.status == "FAILED" and "boom" in closed.data.tags[REASON_TAG]
    assert tracker.client.get_run(tracker.run_id).data.tags["tfpipe.pid"] == str(os.getpid())
