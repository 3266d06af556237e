"""A shared tracking server: a real PostgreSQL cluster and `mlflow server` on it, on loopback.

The forecasting pipeline runs component by component, each in its own `tfpipe run` process as
an orchestrator's workers would, against MLFLOW_TRACKING_URI=http://127.0.0.1:PORT.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.slow
ALL = ["ingest", "transform", "train", "evaluate", "push"]
FAST = ["model=dense", "units=32", "window_size=12", "epochs=40", "patience=8", "batch_size=16"]
MLFLOW = os.path.join(os.path.dirname(sys.executable), "mlflow")
TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


def postgres_bin() -> str | None:
    """The folder of PostgreSQL's initdb and pg_ctl (on PATH, or Debian's versioned folder)."""
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(os.path.realpath(found))
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(folders[-1]) if folders else None


def as_postgres(command: list[str]) -> list[str]:
    """initdb refuses to run as root: root runs the cluster as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres(services) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a loopback port; its SQLAlchemy URI of database mlflow."""
    pytest.importorskip("psycopg2", reason="psycopg2 is not installed here: "
                        "pip install -c constraints.txt '.[postgres]'")
    folder = postgres_bin()
    if folder is None:
        pytest.skip("PostgreSQL's initdb is not installed (apt-get install postgresql)")
    root = tempfile.mkdtemp(prefix="tfpipe-postgres-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = os.path.join(root, "data"), services.free_port()
    subprocess.run(as_postgres([os.path.join(folder, "initdb"), "-D", data, "-U", "postgres",
                                "--auth=trust", "-E", "UTF8"]), check=True,
                   capture_output=True, timeout=600)
    subprocess.run(as_postgres([
        os.path.join(folder, "pg_ctl"), "-D", data, "-l", os.path.join(root, "log"), "-w",
        "-t", "300", "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start"]),
        check=True, capture_output=True, timeout=600)
    try:
        subprocess.run(as_postgres([os.path.join(folder, "createdb"), "-h", "127.0.0.1", "-p",
                                    str(port), "-U", "postgres", "mlflow"]), check=True,
                       capture_output=True, timeout=300)
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/mlflow"
    finally:
        subprocess.run(as_postgres([os.path.join(folder, "pg_ctl"), "-D", data, "-m", "fast",
                                    "-w", "stop"]), capture_output=True, timeout=300)
        shutil.rmtree(root, ignore_errors=True)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def mlflow_server(postgres, tmp_path_factory, services) -> Iterator[dict[str, str]]:
    """`mlflow server` on the PostgreSQL store, artifacts proxied into a folder of its own."""
    artifacts = str(tmp_path_factory.mktemp("mlflow-artifacts"))
    cwd = str(tmp_path_factory.mktemp("mlflow-cwd"))
    port = services.free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(cwd, "server.log"), "wb")
    server = subprocess.Popen(
        [MLFLOW, "server", "--backend-store-uri", postgres, "--artifacts-destination",
         artifacts, "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        services.wait(lambda: healthy(url), "mlflow server on PostgreSQL", 300, server)
        yield {"url": url, "artifacts": artifacts, "cwd": cwd}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_the_store_check_passes_a_live_postgres_uri_with_its_driver(postgres):
    from tfpipe.tracking_check import check_store

    check_store(postgres)  # psycopg2 from tfpipe[postgres], the server just started


def test_components_as_separate_processes_track_into_the_postgres_backed_server(
        mlflow_server, tiny_series_csv, tmp_path):
    from mlflow.tracking import MlflowClient

    workdir, url = str(tmp_path / "w"), mlflow_server["url"]
    env = {**os.environ, "MLFLOW_TRACKING_URI": url}
    for name in ALL:
        done = subprocess.run(
            [TFPIPE, "run", "forecasting", "--data", tiny_series_csv, "--workdir", workdir,
             *sum((["--set", s] for s in FAST), []), "--component", name,
             "--run-id", "kfp-run-1", "--quiet"],
            env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stderr[-3000:]
    assert not os.path.exists(os.path.join(workdir, "mlflow.db"))  # nothing fell back to sqlite
    client = MlflowClient(tracking_uri=url)
    experiment = client.get_experiment_by_name("forecasting")
    assert experiment.artifact_location.startswith("mlflow-artifacts:")
    parents = client.search_runs([experiment.experiment_id],
                                 "tags.`tfpipe.orchestrator_run_id` = 'kfp-run-1'")
    parent = next(r for r in parents if "mlflow.parentRunId" not in r.data.tags)
    assert parent.info.status == "FINISHED" and parent.data.tags["tfpipe.pushed_version"] == "1"
    children = client.search_runs([experiment.experiment_id],
                                  f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert sorted(c.info.run_name for c in children) == sorted(ALL)
    assert len({c.data.tags["tfpipe.pid"] for c in children}) == 5
    champion = client.get_model_version_by_alias("forecasting", "champion")
    assert champion.tags["serving_version"] == "1"
    # Plots and the registered SavedModel went through the server into its artifact folder.
    stored = [os.path.join(root, name) for root, _, names in os.walk(mlflow_server["artifacts"])
              for name in names]
    assert any(path.endswith("saved_model.pb") for path in stored)
    assert any(path.endswith(".png") for path in stored)
    assert not os.path.exists(os.path.join(str(tmp_path), "mlruns"))
    assert not os.path.exists(os.path.join(mlflow_server["cwd"], "mlruns"))
