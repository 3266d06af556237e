"""MLflow as the review surface: the decision on the parent, real spans, data, portable artifacts."""
from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from tfpipe.config import run_paths
from tfpipe.tracking import ComponentEvent, MlflowTracker, RunEnd
from tfpipe.tracking_review import decision_metrics, decision_note, logged_config

DECISION = {
    "blessed": True, "forced": False, "would_have_passed": True,
    "reason": "passed mae vs best baseline (naive), margin 0.05: mae 5 <= 5.7 (naive 6)",
    "candidate": {"mae": 5.0, "rmse": 6.5},
    "baselines": {"naive": {"mae": 6.0, "rmse": 8.0}, "moving_average": {"mae": 6.1, "rmse": 9.0},
                  "champion": {"mae": 5.2, "rmse": 6.6}},
    "checks": [{"name": "mae vs best baseline (naive), margin 0.05", "metric": "mae",
                "value": 5.0, "comparison": "<=", "threshold": 5.7, "against": "naive",
                "against_value": 6.0, "passed": True},
               {"name": "mae vs champion (rel tol 0, abs tol 0)", "metric": "mae",
                "value": 5.0, "comparison": "<=", "threshold": 5.2, "against": "champion",
                "against_value": 5.2, "passed": True}]}


def test_candidate_and_every_baseline_share_the_metric_prefix():
    metrics = decision_metrics(DECISION)
    assert {k: v for k, v in metrics.items() if k.startswith("mae/")} == {
        "mae/candidate": 5.0, "mae/naive": 6.0, "mae/moving_average": 6.1, "mae/champion": 5.2}
    assert metrics["check/mae_vs_naive/threshold"] == 5.7
    assert metrics["check/mae_vs_champion/value"] == 5.0
    assert metrics["check/mae_vs_champion/passed"] == 1.0
    assert metrics["blessing/blessed"] == 1.0 and metrics["blessing/forced"] == 0.0


def test_the_note_has_a_table_every_check_and_the_model_version_link():
    note = decision_note(DECISION, 3, {"name": "forecasting", "version": "7"})
    assert "| candidate | 5 | 6.5 |" in note and "| naive | 6 | 8 |" in note
    assert "mae 5 <= 5.7" in note and "mae 5 <= 5.2" in note
    assert "(#/models/forecasting/versions/7)" in note and "version 3" in note


def test_logged_config_resolves_the_filled_defaults_and_never_says_none(tmp_path):
    config = {"serving_dir": None, "mlflow_tracking_uri": None, "experiment_name": None,
              "model_name": "forecasting", "seasonal_period": None, "epochs": 3}
    paths = run_paths(str(tmp_path / "w"), config)
    logged = logged_config(config, paths, "forecasting")
    assert logged["serving_dir"] == os.path.join(str(tmp_path / "w"), "serving")
    assert logged["mlflow_tracking_uri"] == f"sqlite:///{tmp_path / 'w'}/mlflow.db"
    assert logged["experiment_name"] == "forecasting"
    assert None not in logged.values() and "seasonal_period" not in logged


def test_the_forecasting_task_fills_the_moving_average_window():
    from tfpipe.registry import load_task

    hooks = load_task("forecasting")
    assert hooks.filled_defaults({"moving_average_window": None, "window_size": 20})[
        "moving_average_window"] == 20
    assert hooks.filled_defaults({"moving_average_window": 5, "window_size": 20})[
        "moving_average_window"] == 5


def component_dir(tmp_path, name: str) -> str:
    directory = tmp_path / "w" / "artifacts" / "demo" / name / "k1"
    directory.mkdir(parents=True)
    return str(directory)


def tracked_run(tmp_path):
    """A tracker writing a 65 s train, an ingest with files and data, and the evaluation."""
    workdir = str(tmp_path / "w")
    data = tmp_path / "series.csv"
    data.write_text("time,value\n0,1\n")
    tracker = MlflowTracker(run_paths(workdir, {}), "demo", "forecasting", {"epochs": 3},
                            str(data))
    tracker.started_at = time.time() - 100
    tracker.start()
    ingest = component_dir(tmp_path, "ingest")
    os.makedirs(os.path.join(ingest, "statistics"))
    with open(os.path.join(ingest, "statistics", "train.json"), "w") as handle:
        json.dump({"count": 10}, handle)
    tracker.record_component(ComponentEvent(
        "ingest", False, "k1", "no earlier run", 2.0, ingest,
        report={"files": ["statistics/train.json"],
                "summary": {"counts": {"train_examples": 10, "eval_examples": 3}}},
        fingerprint={"data": {"data": "abc123"}, "component_source": {"x": "1"}},
        started_at=time.time() - 99, ended_at=time.time() - 97))
    train = component_dir(tmp_path, "train")
    os.makedirs(os.path.join(train, "model"))
    with open(os.path.join(train, "model", "curves.png"), "wb") as handle:
        handle.write(b"png")
    started, ended = time.time() - 90, time.time() - 25
    tracker.record_component(ComponentEvent(
        "train", False, "k1", "no earlier run", 65.0, train,
        report={"plots": ["model/curves.png"]}, started_at=started, ended_at=ended))
    evaluate = component_dir(tmp_path, "evaluate")
    os.makedirs(os.path.join(evaluate, "evaluation"))
    with open(os.path.join(evaluate, "evaluation", "blessing.json"), "w") as handle:
        json.dump(DECISION, handle)
    tracker.record_component(ComponentEvent("evaluate", False, "k1", "no earlier run", 1.0,
                                            evaluate, report={"metrics": {"eval_examples": 3}}))
    tracker.finish(RunEnd(seconds=100.0, ended_at=tracker.started_at + 100,
                          cached=("ingest",)))
    return tracker, started, ended


def test_component_runs_carry_their_real_start_and_end(tmp_path):
    tracker, started, ended = tracked_run(tmp_path)
    client = tracker.client
    parent = client.get_run(tracker.run_id)
    children = {r.info.run_name: r for r in client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{tracker.run_id}'")}
    train = children["train"].info
    assert train.start_time == int(started * 1000) and train.end_time == int(ended * 1000)
    assert (train.end_time - train.start_time) / 1000 == pytest.approx(65, abs=0.01)
    assert parent.info.start_time == int(tracker.started_at * 1000)  # not MLflow's set-up time
    assert (parent.info.end_time - parent.info.start_time) / 1000 == pytest.approx(100, abs=0.01)


def test_the_parent_carries_the_decision_data_and_cached_components(tmp_path):
    tracker, _, _ = tracked_run(tmp_path)
    client = tracker.client
    parent = client.get_run(tracker.run_id)
    assert parent.data.metrics["mae/candidate"] == 5.0
    assert parent.data.metrics["mae/champion"] == 5.2
    assert parent.data.tags["tfpipe.blessed"] == "true"
    assert parent.data.tags["tfpipe.would_have_passed"] == "true"
    assert "mae 5 <= 5.7" in parent.data.tags["tfpipe.blessing_reason"]
    assert "| candidate |" in parent.data.tags["mlflow.note.content"]
    assert parent.data.tags["tfpipe.cached_components"] == "ingest"
    assert parent.data.tags["tfpipe.data_fingerprint"] == "abc123"
    datasets = parent.inputs.dataset_inputs
    assert [(d.dataset.name, d.dataset.digest) for d in datasets] == [("series.csv", "abc123")]
    assert json.loads(datasets[0].dataset.profile)["num_examples"]["train_examples"] == 10
    children = {r.info.run_name: r for r in client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{tracker.run_id}'")}
    evaluate = children["evaluate"]
    assert "mae/candidate" not in evaluate.data.metrics  # the parent holds it, once
    ingest = children["ingest"].info.run_id
    assert [a.path for a in client.list_artifacts(ingest, "statistics")] == [
        "statistics/train.json"]
    assert client.get_experiment(parent.info.experiment_id).tags[
        "mlflow.experimentKind"] == "custom_model_development"


def test_artifacts_stay_readable_after_the_workdir_moves(tmp_path):
    from tfpipe.mlflow_artifacts import client_for

    tracker, _, _ = tracked_run(tmp_path)
    run_id = tracker.run_id
    moved = tmp_path / "elsewhere"
    shutil.move(str(tmp_path / "w"), str(moved))
    client = client_for(f"sqlite:///{moved}/mlflow.db", str(moved / "mlartifacts"))
    parent = client.get_run(run_id)
    train = client.search_runs([parent.info.experiment_id], "attributes.run_name = 'train'")[0]
    assert not train.info.artifact_uri.startswith(("file:", "/"))
    assert [a.path for a in client.list_artifacts(train.info.run_id, "plots")] == [
        "plots/curves.png"]
    local = client.download_artifacts(train.info.run_id, "plots/curves.png",
                                      str(tmp_path / "out"))
    assert open(local, "rb").read() == b"png"
