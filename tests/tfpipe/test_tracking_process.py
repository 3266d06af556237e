"""Background MLflow tracking: a real sqlite store written by a spawned child process."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from tfpipe.config import run_paths
from tfpipe.tracking import ComponentEvent, RunEnd
from tfpipe.tracking_process import BackgroundTracker, TrackingFailed


def tracker_for(workdir: str, tracking_uri: str | None = None) -> BackgroundTracker:
    paths = run_paths(workdir, {"serving_dir": None, "mlflow_tracking_uri": tracking_uri})
    return BackgroundTracker(paths, "demo", "forecasting", {"epochs": 3, "model": "dense"},
                             "/data/series.csv")


def evaluate_event(tmp_path, blessed: bool = True) -> ComponentEvent:
    directory = tmp_path / "artifacts" / "evaluate" / "k1"
    (directory / "evaluation").mkdir(parents=True)
    (directory / "evaluation" / "blessing.json").write_text(
        json.dumps({"blessed": blessed, "reason": "mae 1.0 < naive 2.0"}))
    return ComponentEvent(name="evaluate", cached=False, key="k1", reason="no earlier run",
                          seconds=1.5, directory=str(directory),
                          report={"metrics": {"mae": 1.0}, "history": {"loss": [3.0, 2.0]}})


def client_for(workdir: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")


def test_child_writes_parent_and_nested_runs_and_reports_the_run_id(tmp_path):
    workdir = str(tmp_path / "w")
    tracker = tracker_for(workdir)
    tracker.start()
    tracker.record_component(evaluate_event(tmp_path))
    tracker.finish(RunEnd(seconds=12.0, metrics={"mae": 1.0}, pushed_version=None))
    assert tracker.run_id and tracker.registered is None
    client = client_for(workdir)
    parent = client.get_run(tracker.run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.params["epochs"] == "3" and parent.data.params["data"] == "/data/series.csv"
    assert {k: parent.data.metrics[k] for k in ("total_seconds", "mae")} == {
        "total_seconds": 12.0, "mae": 1.0}
    assert parent.data.tags["tfpipe.blessed"] == "true"
    children = client.search_runs([parent.info.experiment_id],
                                  f"tags.mlflow.parentRunId = '{tracker.run_id}'")
    assert [c.info.run_name for c in children] == ["evaluate"]
    history = client.get_metric_history(children[0].info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 3.0), (1, 2.0)]
    assert tracker._process.poll() == 0


def test_a_bad_tracking_uri_fails_the_wait_before_publishing(tmp_path):
    tracker = tracker_for(str(tmp_path / "w"), tracking_uri="nosuchscheme://nowhere")
    tracker.start()
    with pytest.raises(TrackingFailed, match="MLflow tracking at nosuchscheme://nowhere failed"):
        tracker.confirm(wait=False)  # may pass: the child is still importing MLflow
        tracker.record_component(evaluate_event(tmp_path))
        tracker.confirm(wait=True)
    tracker.fail("ingest failed")  # after the child died: no second error, no hang


def test_the_check_without_waiting_returns_at_once_while_the_child_starts(tmp_path):
    tracker = tracker_for(str(tmp_path / "w"))
    tracker.start()
    tracker.confirm(wait=False)
    assert tracker.run_id == ""  # MLflow's import alone takes over a second
    tracker.confirm(wait=True)
    assert len(tracker.run_id) == 32
    tracker.finish(RunEnd(seconds=1.0))


def test_a_failed_pipeline_marks_the_parent_run_failed(tmp_path):
    workdir = str(tmp_path / "w")
    tracker = tracker_for(workdir)
    tracker.start()
    tracker.fail("component ingest failed: bad row 3")
    run = client_for(workdir).get_run(tracker.run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["tfpipe.error"] == "component ingest failed: bad row 3"


def test_a_script_without_a_main_guard_is_not_run_again_by_the_child(tmp_path):
    script = tmp_path / "pipeline_script.py"
    script.write_text(
        "import sys\n"
        "from tfpipe.config import run_paths\n"
        "from tfpipe.tracking import RunEnd\n"
        "from tfpipe.tracking_process import BackgroundTracker\n"
        "print('script body ran', file=sys.stderr)\n"
        f"paths = run_paths({str(tmp_path / 'w')!r}, {{}})\n"
        "tracker = BackgroundTracker(paths, 'demo', 'text', {}, 'data')\n"
        "tracker.start()\n"
        "tracker.finish(RunEnd(seconds=1.0))\n"
        "print(tracker.run_id)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("script body ran") == 1
    assert len(done.stdout.strip()) == 32  # an MLflow run id


def test_a_killed_child_is_reported_not_waited_for(tmp_path):
    tracker = tracker_for(str(tmp_path / "w"))
    tracker.start()
    tracker._process.kill()
    tracker._process.wait()
    with pytest.raises(TrackingFailed, match="exited with code"):
        tracker.record_component(evaluate_event(tmp_path))
    assert os.path.isdir(tmp_path / "artifacts")  # the pipeline's own files are untouched


def test_the_check_before_the_next_component_notices_a_dead_child_at_once(tmp_path):
    tracker = tracker_for(str(tmp_path / "w"))
    tracker.start()
    tracker.confirm(wait=True)
    tracker._process.kill()
    tracker._process.wait()
    with pytest.raises(TrackingFailed, match="exited with code"):
        tracker.confirm(wait=False)


def test_warming_registration_builds_mlflows_package_map_ahead_of_the_push():
    """A fresh interpreter: after the warm-up MLflow's save_model finds its map built."""
    probe = ("from tfpipe.tracking_process import warm_registration\n"
             "from mlflow.utils import requirements_utils as r\n"
             "assert r._MODULES_TO_PACKAGES is None\n"
             "warm_registration()\n"
             "assert 'tensorflow' in r._PACKAGES_TO_MODULES, 'map not built'\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_params_and_metrics_share_log_batch_calls_within_mlflows_limits():
    from tfpipe.tracking import batches

    assert batches([], []) == []
    assert batches(["p"] * 3, ["m"] * 5) == [(["p"] * 3, ["m"] * 5)]
    chunks = batches(["p"] * 250, ["m"] * 2000)
    assert all(len(p) <= 100 and len(p) + len(m) <= 1000 for p, m in chunks)
    assert sum(len(p) for p, _ in chunks) == 250 and sum(len(m) for _, m in chunks) == 2000
    assert len(chunks) == 3  # 100+900, 100+900, 50+200


class RecordingTracker:
    """What serve() drives, without MLflow: the calls it received."""

    run_id = "run-1"
    registered = None

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def record_component(self, event: str) -> None:
        self.calls.append(event)

    def finish(self, end: str) -> None:
        self.calls.append("finish")


def test_registration_is_warmed_at_the_first_pause_even_when_a_record_follows_the_start(
        monkeypatch):
    # The parent starts the child when the first component ends and sends that component's
    # record at once: the warm-up must not depend on a pause right after the start.
    import multiprocessing
    import threading

    from tfpipe import tracking_process

    warmed = threading.Event()
    monkeypatch.setattr(tracking_process, "warm_registration", warmed.set)
    child_requests, parent_requests = multiprocessing.Pipe(duplex=False)
    parent_replies, child_replies = multiprocessing.Pipe(duplex=False)
    server = threading.Thread(target=tracking_process.serve,
                              args=(child_requests, child_replies), daemon=True)
    server.start()
    parent_requests.send(RecordingTracker())
    parent_requests.send(("start", None))
    parent_requests.send(("record_component", "ingest"))
    assert parent_replies.recv() == ("started", "run-1")
    assert warmed.wait(timeout=60), "registration was never warmed"
    parent_requests.send(("finish", "end"))
    parent_requests.send(None)
    assert parent_replies.recv()[0] == "done"
    server.join(timeout=120)
