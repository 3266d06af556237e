"""The forecasting pipeline end to end on a tiny series: cache, champion, push, serving, MLflow."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tfpipe.local_run import run_task
from tfpipe.pipelines.forecasting import ForecastingSettings

pytestmark = pytest.mark.slow
FAST = ["model=dense", "units=32", "window_size=12", "epochs=40", "patience=8",
        "batch_size=16"]
ALL = ["ingest", "transform", "train", "evaluate", "push"]
REQUEST_TIMEOUT = 120  # seconds per REST call to the test's server on a loaded machine


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("forecasting-work"))


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    steps = np.arange(240)
    values = 50 + 20 * np.sin(2 * np.pi * steps / 12) + np.random.default_rng(0).normal(0, 1, 240)
    path = tmp_path_factory.mktemp("data") / "series.csv"
    path.write_text("time,value\n" + "".join(f"{t},{v:.4f}\n" for t, v in zip(steps, values)))
    return str(path)


def run(data: str, workdir: str, extra: list[str] = ()) -> dict:
    return run_task("forecasting", data, None, FAST + list(extra), workdir, [], quiet=True)


@pytest.fixture(scope="module")
def first(data, workdir) -> dict:
    return run(data, workdir)


def versions_and_staging(result: dict) -> list[str]:
    """Folders under the model base path (the serving state file aside)."""
    base = os.path.dirname(result["serving_path"])
    return sorted(n for n in os.listdir(base) if os.path.isdir(os.path.join(base, n)))


def evaluation_dir(result: dict) -> str:
    root = os.path.join(result["workdir"], "artifacts", "forecasting", "evaluate")
    records = [os.path.join(root, d) for d in os.listdir(root) if not d.startswith(".")]
    return max(records, key=lambda d: os.path.getmtime(os.path.join(d, "artifact.json")))


def test_first_run_blesses_and_pushes_version_1(first):
    assert first["blessed"], first["reason"]
    baselines = first["metrics"]["baselines"]
    assert set(baselines) == {"naive", "moving_average"}
    assert first["metrics"]["candidate"]["mae"] <= 0.95 * min(b["mae"] for b in baselines.values())
    assert first["pushed_version"] == 1
    assert os.path.isfile(os.path.join(first["serving_path"], "saved_model.pb"))
    assert os.path.isdir(os.path.join(first["serving_path"], "variables"))
    assert first["cached"] == []


def test_identical_rerun_is_served_from_cache(first, data, workdir):
    again = run(data, workdir)
    assert again["cached"] == ALL
    assert again["pushed_version"] == 1 and again["metrics"] == first["metrics"]
    assert versions_and_staging(first) == ["1"]


def test_pushed_model_reproduces_evaluated_predictions(first):
    import tensorflow as tf

    from tfpipe.components import tfrecords
    from tfpipe.pipelines.forecasting.preprocessing import raw_feature_spec

    eval_dir = evaluation_dir(first)
    scored = np.load(os.path.join(eval_dir, "evaluation", "predictions.npz"))["candidate"]
    examples_root = [d for d in os.scandir(os.path.join(first["workdir"], "artifacts",
                                                        "forecasting", "ingest"))
                     if not d.name.startswith(".")][0].path
    spec = raw_feature_spec(ForecastingSettings(window_size=12))
    raw = tfrecords.load_split(os.path.join(examples_root, "examples"), "eval", spec)
    loaded = tf.saved_model.load(first["serving_path"])
    served = loaded.signatures["serving_default"](window=tf.constant(raw["window"]))
    np.testing.assert_allclose(served["forecast"].numpy(), scored, rtol=1e-5, atol=1e-4)
    files = tfrecords.split_files(os.path.join(examples_root, "examples"), "eval")
    serialized = [r.numpy() for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    by_example = loaded.signatures["serving_examples"](examples=tf.constant(serialized))
    np.testing.assert_allclose(by_example["forecast"].numpy(), scored, rtol=1e-5, atol=1e-4)


def test_new_training_param_reruns_downstream_and_scores_champion(first, data, workdir):
    lenient = run(data, workdir, ["learning_rate=0.002", "champion_relative_tolerance=1.0"])
    assert lenient["cached"] == ["ingest", "transform"]
    assert set(lenient["ran"]) == {"train", "evaluate", "push"}
    assert "params.learning_rate" in lenient["ran"]["train"]
    champion = lenient["metrics"]["baselines"]["champion"]
    assert champion["mae"] == pytest.approx(first["metrics"]["candidate"]["mae"], rel=1e-4)
    assert lenient["blessed"] and lenient["pushed_version"] == 2

    strict = run(data, workdir, ["learning_rate=0.003", "champion_relative_tolerance=-0.9"])
    assert not strict["blessed"] and strict["pushed_version"] is None
    with open(os.path.join(evaluation_dir(strict), "evaluation", "blessing.json")) as handle:
        blessing = json.load(handle)
    change = [c for c in blessing["checks"] if c["against"] == "champion"][0]
    assert blessing["champion"]["version"] == 2
    assert change["against_value"] == pytest.approx(
        lenient["metrics"]["candidate"]["mae"], rel=1e-4)
    assert "champion" in blessing["reason"]
    assert versions_and_staging(first) == ["1", "2"]


def test_runs_are_in_mlflow_with_nested_components_and_registry(first, workdir):
    from tfpipe.mlflow_artifacts import client_for

    client = client_for(f"sqlite:///{workdir}/mlflow.db", os.path.join(workdir, "mlartifacts"))
    experiment = client.get_experiment_by_name("forecasting")
    children = client.search_runs([experiment.experiment_id],
                                  f"tags.mlflow.parentRunId = '{first['run_id']}'")
    by_name = {r.info.run_name: r for r in children}
    assert set(by_name) == set(ALL)
    train = by_name["train"]
    history = client.get_metric_history(train.info.run_id, "loss")
    assert len(history) == int(train.data.metrics["epochs_run"]) and history[-1].step > 0
    plots = [a.path for a in client.list_artifacts(train.info.run_id, "plots")]
    assert plots == ["plots/learning_curves.png"]
    evaluate_artifacts = [a.path for a in client.list_artifacts(by_name["evaluate"].info.run_id)]
    assert "blessing.json" in evaluate_artifacts
    assert [a.path for a in client.list_artifacts(by_name["evaluate"].info.run_id, "plots")] == [
        "plots/candidate_vs_baselines.png", "plots/forecast_vs_actual.png"]
    alias = client.get_model_version_by_alias("forecasting", "champion")
    assert alias.tags["serving_version"] in {"1", "2"}


def test_mlflow_shows_the_decision_the_data_and_real_spans(first, workdir):
    from tfpipe.mlflow_artifacts import client_for

    client = client_for(f"sqlite:///{workdir}/mlflow.db", os.path.join(workdir, "mlartifacts"))
    parent = client.get_run(first["run_id"])
    metrics = parent.data.metrics
    candidate = first["metrics"]["candidate"]["mae"]
    assert metrics["mae/candidate"] == pytest.approx(candidate)
    assert metrics["mae/naive"] == pytest.approx(first["metrics"]["baselines"]["naive"]["mae"])
    assert "mae/moving_average" in metrics and metrics["blessing/blessed"] == 1.0
    assert metrics["check/mae_vs_naive/value"] == pytest.approx(candidate) or \
        metrics["check/mae_vs_moving_average/value"] == pytest.approx(candidate)
    assert metrics["pushed_version"] == 1.0
    tags = parent.data.tags
    assert tags["tfpipe.pushed_version"] == "1" and tags["tfpipe.would_have_passed"] == "true"
    assert tags["tfpipe.registered_model_url"] == "#/models/forecasting/versions/1"
    assert "mae" in tags["tfpipe.blessing_reason"] and "<=" in tags["tfpipe.blessing_reason"]
    params = parent.data.params
    assert "None" not in params.values(), params
    assert params["serving_dir"] == os.path.join(workdir, "serving")
    assert params["moving_average_window"] == "12" and params["experiment_name"] == "forecasting"
    assert [d.dataset.digest for d in parent.inputs.dataset_inputs] == [
        tags["tfpipe.data_fingerprint"]]
    children = {r.info.run_name: r for r in client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{first['run_id']}'")}
    ingest = children["ingest"].info.run_id
    files = {a.path for a in client.list_artifacts(ingest, "statistics")}
    assert {"statistics/train.json", "statistics/eval.json", "statistics/summary.json"} <= files
    assert "examples/schema.pbtxt" in {a.path for a in client.list_artifacts(ingest, "examples")}
    assert children["ingest"].inputs.dataset_inputs
    transform = children["transform"].data.metrics
    assert transform["scale_std"] > 0 and 30 < transform["scale_mean"] < 70
    train = children["train"]
    span = (train.info.end_time - train.info.start_time) / 1000
    assert span >= train.data.metrics["fit_seconds"]
    assert abs(span - first["seconds"]["train"]) < 1.0


def test_kill_during_train_then_resume(data, tmp_path):
    workdir = str(tmp_path / "w")
    command = [os.path.join(os.path.dirname(sys.executable), "tfpipe"), "run", "forecasting",
               "--data", data, "--workdir", workdir, *sum((["--set", s] for s in FAST), []),
               "--set", "epochs=5000", "--set", "patience=5000"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    for line in process.stderr:
        if "[train] epoch 2/" in line or time.time() > deadline:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    train_dir = os.path.join(workdir, "artifacts", "forecasting", "train")
    assert [d for d in os.listdir(train_dir) if not d.startswith(".")] == []
    assert not os.path.exists(os.path.join(workdir, "serving"))
    resumed = run_task("forecasting", data, None, FAST, workdir, [], quiet=True)
    assert resumed["cached"] == ["ingest", "transform"]
    assert [d for d in os.listdir(train_dir) if d.startswith(".")] == []
    assert resumed["pushed_version"] == 1
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert [r.info.status for r in runs if r.info.status == "RUNNING"] == []
    killed = [r for r in runs if r.info.run_id != resumed["run_id"] and r.info.status == "KILLED"]
    assert len(killed) == 1 and str(process.pid) in killed[0].data.tags["tfpipe.end_reason"]


@pytest.fixture
def mlflow_server(workdir, first, services):
    """MLflow's real server over the run's store, as `tfpipe ui` starts it (polled for minutes)."""
    from tfpipe import ui

    process, url = ui.start(workdir, services.free_port())
    try:
        yield url.split("/#/")[0]
    finally:
        ui.stop(process)


def test_mlflow_server_rest_api_shows_runs_metrics_and_plots(mlflow_server, first):
    import requests

    api = f"{mlflow_server}/api/2.0/mlflow"
    experiment = requests.get(f"{api}/experiments/get-by-name",
                              params={"experiment_name": "forecasting"},
                              timeout=REQUEST_TIMEOUT).json()
    experiment_id = experiment["experiment"]["experiment_id"]
    parent = requests.get(f"{api}/runs/get", params={"run_id": first["run_id"]},
                          timeout=REQUEST_TIMEOUT).json()["run"]
    assert parent["info"]["status"] == "FINISHED"
    parent_metrics = {m["key"] for m in parent["data"]["metrics"]}
    assert {"mae/candidate", "mae/naive", "total_seconds"} <= parent_metrics
    children = requests.post(f"{api}/runs/search", timeout=REQUEST_TIMEOUT, json={
        "experiment_ids": [experiment_id],
        "filter": f"tags.mlflow.parentRunId = '{first['run_id']}'"}).json()["runs"]
    names = {r["info"]["run_name"]: r for r in children}
    assert set(names) == set(ALL)
    train_id = names["train"]["info"]["run_id"]
    history = requests.get(f"{api}/metrics/get-history", timeout=REQUEST_TIMEOUT,
                           params={"run_id": train_id, "metric_key": "val_loss"}).json()
    assert len(history["metrics"]) >= 2
    for component, plot in (("train", "plots/learning_curves.png"),
                            ("evaluate", "plots/forecast_vs_actual.png")):
        listing = requests.get(f"{api}/artifacts/list", timeout=REQUEST_TIMEOUT, params={
            "run_id": names[component]["info"]["run_id"], "path": "plots"}).json()
        assert plot in [f["path"] for f in listing.get("files", [])], listing
