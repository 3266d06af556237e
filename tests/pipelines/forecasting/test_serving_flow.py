"""The issue's acceptance flow: run -> `tfpipe models` -> predict over gRPC and REST (against
the loopback stand-ins for TF Serving) -> second run pushes v2 -> rollback serves v1 -> the
next run's champion is v1; plus the MLflow model the registry holds for each version."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tfpipe.cli import main
from tfpipe.local_run import run_task

pytestmark = pytest.mark.slow
FAST = ["model=dense", "units=32", "window_size=12", "epochs=40", "patience=8",
        "batch_size=16"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    steps = np.arange(240)
    values = 50 + 20 * np.sin(2 * np.pi * steps / 12) + np.random.default_rng(0).normal(0, 1, 240)
    path = tmp_path_factory.mktemp("data") / "series.csv"
    path.write_text("time,value\n" + "".join(f"{t},{v:.4f}\n" for t, v in zip(steps, values)))
    return str(path)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("serving-flow"))


@pytest.fixture(scope="module")
def first(data, workdir) -> dict:
    result = run_task("forecasting", data, None, FAST, workdir, [], quiet=True)
    assert result["blessed"] and result["pushed_version"] == 1, result["reason"]
    return result


@pytest.fixture(scope="module")
def servers(first, workdir):
    """The gRPC and REST stand-ins for TF Serving over the run's serving dir."""
    from tfpipe.serving.standin import ServedModels, start_grpc_server, start_rest_server

    served = ServedModels(os.path.join(workdir, "serving"))
    grpc_server, grpc_port = start_grpc_server(served)
    rest_server, rest_port = start_rest_server(served)
    yield {"grpc": f"127.0.0.1:{grpc_port}", "rest": f"http://127.0.0.1:{rest_port}",
           "served": served}
    grpc_server.stop(grace=None)
    rest_server.shutdown()


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def evaluated(result: dict) -> tuple[np.ndarray, np.ndarray]:
    """The eval windows of a run and the forecasts evaluate scored for them."""
    from tfpipe.components import tfrecords
    from tfpipe.pipelines.forecasting.preprocessing import raw_feature_spec
    from tfpipe.pipelines.forecasting import ForecastingSettings

    root = os.path.join(result["workdir"], "artifacts", "forecasting")
    (ingest,) = glob.glob(os.path.join(root, "ingest", "*", "examples"))
    spec = raw_feature_spec(ForecastingSettings(window_size=12))
    windows = tfrecords.load_split(ingest, "eval", spec)["window"]
    evaluations = sorted(glob.glob(os.path.join(root, "evaluate", "*", "evaluation")),
                         key=os.path.getmtime)
    scored = [np.load(os.path.join(e, "predictions.npz"))["candidate"] for e in evaluations]
    return windows, scored[0]


def test_models_lists_version_1_with_its_mae(first, workdir, capsys):
    code, out, _ = cli(capsys, "models", "--workdir", workdir, "--json")
    assert code == 0
    (model,) = json.loads(out)
    assert model["model"] == "forecasting" and model["labels"] == {"stable": 1}
    (version,) = model["versions"]
    assert version["version"] == 1 and version["labels"] == ["stable"] and version["blessed"]
    assert version["metrics"]["mae"] == pytest.approx(first["metrics"]["candidate"]["mae"])
    assert version["mlflow_run_id"] == first["run_id"]
    assert version["pushed_at"] and version["pushed_by"]
    code, out, _ = cli(capsys, "models", "--workdir", workdir)
    assert "forecasting" in out and "stable" in out and first["run_id"] in out


def test_models_config_lists_exactly_the_pushed_models(first, workdir):
    from tfpipe.components.serving_config import read_models_config

    config = read_models_config(os.path.join(workdir, "serving", "models.config"))
    (entry,) = config.model_config_list.config
    assert entry.name == "forecasting" and entry.base_path == "/models/forecasting"
    assert list(entry.model_version_policy.specific.versions) == [1]
    assert dict(entry.version_labels) == {"stable": 1}


@pytest.mark.parametrize("how", [["--grpc"], ["--rest"], ["--grpc", "--label", "stable"],
                                 ["--rest", "--version", "1"]])
def test_predict_returns_the_forecast_evaluate_scored(first, servers, capsys, tmp_path, how):
    windows, scored = evaluated(first)
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"inputs": {"window": windows[:5].tolist()}}))
    address = servers["grpc"] if how[0] == "--grpc" else servers["rest"]
    code, out, _ = cli(capsys, "predict", "forecasting", how[0], address, *how[1:],
                       "--input", str(request))
    assert code == 0
    answer = json.loads(out)
    forecast = answer["outputs"]["forecast"] if how[0] == "--grpc" else answer["outputs"]
    np.testing.assert_allclose(forecast, scored[:5], rtol=1e-5, atol=1e-4)
    if how[0] == "--grpc":
        assert answer["model_version"] == 1


def test_predict_errors_are_one_line(first, servers, capsys):
    code, _, err = cli(capsys, "predict", "forecasting", "--rest", servers["rest"],
                       "--version", "9", "--input", '{"window": [[1,2,3,4,5,6,7,8,9,10,11,12]]}')
    assert code == 2 and err.count("\n") == 1 and "HTTP 404" in err and "versions/9" in err
    code, _, err = cli(capsys, "predict", "forecasting", "--grpc", servers["grpc"],
                       "--label", "canary", "--input", '{"window": [[1]]}')
    assert code == 2 and err.count("\n") == 1 and "canary" in err
    code, _, err = cli(capsys, "predict", "forecasting", "--grpc", servers["grpc"],
                       "--input", "not-a-file.json")
    assert code == 2 and "neither JSON nor an existing file" in err


def test_rest_status_and_metadata_and_grpc_metadata(first, servers):
    import requests

    from tfpipe.serving.client import grpc_metadata

    status = requests.get(f"{servers['rest']}/v1/models/forecasting", timeout=60).json()
    assert status["model_version_status"][0]["version"] == "1"
    assert status["model_version_status"][0]["state"] == "AVAILABLE"
    metadata = requests.get(f"{servers['rest']}/v1/models/forecasting/labels/stable/metadata",
                            timeout=60).json()
    signatures = metadata["metadata"]["signature_def"]["signature_def"]
    assert {"serving_default", "serving_examples"} <= set(signatures)
    assert "window" in signatures["serving_default"]["inputs"]
    over_grpc = grpc_metadata(servers["grpc"], "forecasting", version=1)
    window = over_grpc.signature_def["serving_default"].inputs["window"]
    assert [d.size for d in window.tensor_shape.dim] == [-1, 12]


def test_registry_entry_is_an_mlflow_model_matching_serving_default(first, workdir,
                                                                   mlflow_store):
    import mlflow
    import tensorflow as tf
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{workdir}/mlflow.db"
    mlflow_store(uri)
    windows, _ = evaluated(first)
    model = mlflow.pyfunc.load_model("models:/forecasting@champion")
    schema = model.metadata.signature
    assert schema.inputs.input_names() == ["window"]
    assert schema.outputs.input_names() == ["forecast"]
    predicted = model.predict({"window": windows[:7]})["forecast"]
    served = tf.saved_model.load(first["serving_path"]).signatures["serving_default"](
        window=tf.constant(windows[:7]))["forecast"].numpy()
    np.testing.assert_allclose(predicted, served, rtol=1e-6)
    version = MlflowClient(uri).get_model_version_by_alias("forecasting", "champion")
    assert version.tags["serving_version"] == "1"
    assert float(version.tags["metric.mae"]) == pytest.approx(
        first["metrics"]["candidate"]["mae"], rel=1e-5)
    assert "TF Serving version 1" in version.description and "mae=" in version.description
    assert os.path.isfile(os.path.join(
        mlflow.artifacts.download_artifacts("models:/forecasting@champion"),
        "input_example.json"))


def test_mlflow_models_serve_answers_invocations(first, workdir, services):
    import requests

    windows, scored = evaluated(first)
    port = services.free_port()
    mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
    # The scoring server's own command (uvicorn) is found on PATH: the interpreter's bin first.
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{workdir}/mlflow.db",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    process = subprocess.Popen(
        [mlflow_bin, "models", "serve", "-m", "models:/forecasting@champion",
         "--env-manager", "local", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def answers() -> bool:
            try:
                return requests.get(f"{url}/ping", timeout=5).ok
            except requests.ConnectionError:  # not listening yet
                return False

        services.wait(answers, "mlflow models serve answering /ping", 300, process)
        answer = requests.post(f"{url}/invocations", timeout=120,
                               json={"inputs": {"window": windows[:4].tolist()}})
        assert answer.ok, answer.text
        np.testing.assert_allclose(answer.json()["predictions"]["forecast"], scored[:4],
                                   rtol=1e-5, atol=1e-4)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)  # the session started above: mlflow and its server
        process.wait(timeout=60)


def test_second_run_pushes_2_then_rollback_serves_1_and_the_next_champion_is_1(
        first, data, workdir, servers, capsys):
    from mlflow.tracking import MlflowClient

    from tfpipe.components.serving_config import read_models_config

    second = run_task("forecasting", data, None,
                      FAST + ["seed=7", "champion_relative_tolerance=1.0"], workdir, [],
                      quiet=True)
    assert second["pushed_version"] == 2
    windows, _ = evaluated(first)
    body = json.dumps({"window": windows[:2].tolist()})
    code, out, _ = cli(capsys, "predict", "forecasting", "--grpc", servers["grpc"], "--input", body)
    assert json.loads(out)["model_version"] == 2  # the stand-in re-read models.config

    code, _, err = cli(capsys, "rollback", "forecasting", "--workdir", workdir,
                       "--reason", "v2 misbehaves")
    assert code == 0 and "serving version 1 (was 2)" in err
    config = read_models_config(os.path.join(workdir, "serving", "models.config"))
    (entry,) = config.model_config_list.config
    assert dict(entry.version_labels) == {"stable": 1}
    assert list(entry.model_version_policy.specific.versions) == [1]
    code, out, _ = cli(capsys, "predict", "forecasting", "--grpc", servers["grpc"], "--input", body)
    assert json.loads(out)["model_version"] == 1

    with open(os.path.join(workdir, "serving", "forecasting", "tfpipe-serving.json")) as handle:
        recorded = json.load(handle)["events"][-1]
    assert (recorded["action"], recorded["from"], recorded["to"]) == ("rollback", 2, 1)
    assert recorded["by"] and recorded["at"] and recorded["reason"] == "v2 misbehaves"
    client = MlflowClient(f"sqlite:///{workdir}/mlflow.db")
    champion = client.get_model_version_by_alias("forecasting", "champion")
    assert champion.tags["serving_version"] == "1"
    in_mlflow = json.loads(client.get_registered_model("forecasting").tags["tfpipe.last_rollback"])
    assert (in_mlflow["from"], in_mlflow["to"], in_mlflow["by"]) == (2, 1, recorded["by"])

    code, _, err = cli(capsys, "rollback", "forecasting", "--workdir", workdir)
    assert code == 2 and "no blessed version below the served version 1" in err
    code, _, err = cli(capsys, "rollback", "forecasting", "--workdir", workdir, "--to", "5")
    assert code == 2 and "has no version 5" in err

    third = run_task("forecasting", data, None,
                     FAST + ["seed=8", "champion_relative_tolerance=1.0"], workdir, [],
                     quiet=True)
    root = os.path.join(workdir, "artifacts", "forecasting", "evaluate")
    latest = max(glob.glob(os.path.join(root, "*", "evaluation", "blessing.json")),
                 key=os.path.getmtime)
    with open(latest) as handle:
        assert json.load(handle)["champion"]["version"] == 1
    assert third["pushed_version"] == 3
