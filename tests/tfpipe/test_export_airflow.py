"""`tfpipe export airflow`: DAG files that real Airflow imports and runs (`airflow dags test`)."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tfpipe import cli
from tfpipe.components.versions import pushed_versions
from tfpipe.export_airflow import render_dag
from tfpipe.orchestration import ExportSpec
from tfpipe.registry import task_names

AIRFLOW = os.path.join(os.path.dirname(sys.executable), "airflow")
needs_airflow = pytest.mark.skipif(
    not os.path.exists(AIRFLOW),
    reason="apache-airflow is not installed here: pip install -c constraints.txt '.[airflow]'")
ALL = ["ingest", "transform", "train", "evaluate", "push"]
EDGES = [("ingest", "transform"), ("ingest", "train"), ("transform", "train"),
         ("ingest", "evaluate"), ("train", "evaluate"), ("ingest", "push"), ("train", "push"),
         ("evaluate", "push")]
# Blesses on the embedded default series within a minute of training.
FAST = ["model=dense", "units=32", "window_size=12", "epochs=40", "patience=8", "batch_size=16"]

# Prints every DAG of a folder as JSON: import errors, tasks, edges and run settings.
DAGBAG_PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(sys.argv[1])
dags = {}
for dag_id, dag in bag.dags.items():
    dags[dag_id] = {
        "tasks": [t.task_id for t in dag.tasks],
        "edges": sorted([u, t.task_id] for t in dag.tasks for u in t.upstream_task_ids),
        "max_active_runs": dag.max_active_runs, "schedule": dag.schedule,
        "retries": [t.retries for t in dag.tasks], "catchup": dag.catchup,
        "types": sorted({type(t).__name__ for t in dag.tasks}),
        "commands": {t.task_id: getattr(t, "bash_command", None) for t in dag.tasks}}
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": dags}))
"""


def airflow_env(home: str, dags: str) -> dict[str, str]:
    """An Airflow of its own: sqlite metadata under `home`, no example DAGs."""
    return {**os.environ, "AIRFLOW_HOME": home, "AIRFLOW__CORE__DAGS_FOLDER": dags,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}


def export(task: str, dags: str, workdir: str, *extra: str) -> str:
    code = cli.main(["export", "airflow", task, "-o", dags, "--workdir", workdir, *extra])
    assert code == 0
    return dags


def dagbag(dags: str, home: str) -> dict:
    out = subprocess.run([sys.executable, "-c", DAGBAG_PROBE, dags], capture_output=True,
                         text=True, env=airflow_env(home, dags), timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_dag_file_is_plain_python_with_one_task_per_component():
    spec = ExportSpec(task="forecasting", pipeline="forecasting", components=ALL, edges=EDGES,
                      run_args=["--workdir", "/w", "--set", "epochs=3"], workdir="/w",
                      schedule="0 3 * * *", tfpipe="/envs/tfpipe/bin/tfpipe")
    text = render_dag(spec)
    compile(text, "tfpipe_forecasting.py", "exec")
    assert 'TFPIPE = "/envs/tfpipe/bin/tfpipe"' in text
    assert 'SCHEDULE = "0 3 * * *"' in text and "max_active_runs=1," in text
    assert 'RUN_ARGS = ["--workdir", "/w", "--set", "epochs=3"]' in text
    assert "    train = component_task(\"train\")\n" in text
    assert "    evaluate >> push\n" in text and text.count(" >> ") == len(EDGES)


@needs_airflow
@pytest.mark.parametrize("operator", ["bash", "docker", "kubernetes"])
def test_dagbag_imports_every_tasks_dag(tmp_path, operator):
    dags = str(tmp_path / "dags")
    for task in task_names():
        export(task, dags, str(tmp_path / "w"), "--operator", operator)
    found = dagbag(dags, str(tmp_path / "home"))
    assert found["errors"] == {}
    assert sorted(found["dags"]) == sorted(f"tfpipe_{t}" for t in task_names())
    for dag in found["dags"].values():
        assert dag["tasks"] == ALL
        assert dag["edges"] == sorted([u, d] for u, d in EDGES)
        assert dag["max_active_runs"] == 1 and dag["catchup"] is False
        assert dag["retries"] == [2] * 5 and dag["schedule"] is None
        assert dag["types"] == [{"bash": "BashOperator", "docker": "DockerOperator",
                                 "kubernetes": "KubernetesPodOperator"}[operator]]


@needs_airflow
def test_the_schedule_comes_from_config_or_the_option_and_bad_ones_are_refused(tmp_path,
                                                                              capsys):
    config = tmp_path / "config.yaml"
    config.write_text("schedule: '@daily'\nepochs: 3\n")
    dags = export("forecasting", str(tmp_path / "a"), str(tmp_path / "w"), "--config",
                  str(config))
    dag = dagbag(dags, str(tmp_path / "home"))["dags"]["tfpipe_forecasting"]
    assert dag["schedule"] == "@daily"
    assert f"--config {config}" in dag["commands"]["train"]
    assert dag["commands"]["train"].endswith(' --json --run-id "$TFPIPE_RUN_ID"')
    dags = export("forecasting", str(tmp_path / "b"), str(tmp_path / "w"), "--config",
                  str(config), "--schedule", "30 2 * * 1-5")
    assert dagbag(dags, str(tmp_path / "home"))["dags"]["tfpipe_forecasting"]["schedule"] == \
        "30 2 * * 1-5"
    code = cli.main(["export", "airflow", "forecasting", "-o", str(tmp_path / "c"),
                     "--schedule", "every day"])
    assert code == 2
    assert "schedule 'every day': expected a 5-field cron expression" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def task_instances(home: str, run_id: str) -> dict[str, tuple[str, int]]:
    """Airflow's own record of a DAG run: task id -> (state, try number)."""
    with sqlite3.connect(os.path.join(home, "airflow.db")) as db:
        rows = db.execute("SELECT task_id, state, try_number FROM task_instance "
                          "WHERE run_id = ?", (run_id,)).fetchall()
    return {task: (state, tries) for task, state, tries in rows}


def dag_runs(home: str) -> list[tuple[str, str]]:
    with sqlite3.connect(os.path.join(home, "airflow.db")) as db:
        return db.execute("SELECT run_id, state FROM dag_run ORDER BY id").fetchall()


def mlflow_runs(workdir: str, orchestrator_run_id: str) -> tuple[object, list]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    experiment = client.get_experiment_by_name("forecasting")
    tagged = client.search_runs([experiment.experiment_id],
                                f"tags.`tfpipe.orchestrator_run_id` = '{orchestrator_run_id}'")
    parents = [r for r in tagged if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1
    children = client.search_runs([experiment.experiment_id],
                                  f"tags.mlflow.parentRunId = '{parents[0].info.run_id}'")
    return parents[0], children


@pytest.fixture
def forecasting_airflow(tmp_path) -> dict[str, str]:
    """The forecasting DAG exported on the embedded data, and a migrated sqlite Airflow."""
    return airflow_setup(tmp_path, retries=1)


def airflow_setup(tmp_path, retries: int) -> dict[str, str]:
    """Export the forecasting DAG with `retries` into tmp_path and migrate Airflow's database."""
    home, dags, workdir = (str(tmp_path / name) for name in ("home", "dags", "work"))
    export("forecasting", dags, workdir, *sum((["--set", s] for s in FAST), []),
           "--retries", str(retries), "--retry-delay", "1")
    env = airflow_env(home, dags)
    migrated = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True,
                              text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    return {"home": home, "dags": dags, "workdir": workdir}


def dags_test(setup: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([AIRFLOW, "dags", "test", "tfpipe_forecasting"], capture_output=True,
                          text=True, env=airflow_env(setup["home"], setup["dags"]),
                          timeout=1800)


@needs_airflow
@pytest.mark.slow
def test_airflow_dags_test_runs_the_pipeline_then_serves_it_from_cache(forecasting_airflow):
    setup = forecasting_airflow
    first = dags_test(setup)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    (run_id, state), = dag_runs(setup["home"])
    assert state == "success"
    assert task_instances(setup["home"], run_id) == {t: ("success", 1) for t in ALL}
    serving = os.path.join(setup["workdir"], "serving", "forecasting")
    assert pushed_versions(serving) == [1]
    parent, children = mlflow_runs(setup["workdir"], run_id)
    assert parent.info.status == "FINISHED" and parent.data.tags["tfpipe.pushed_version"] == "1"
    assert sorted(c.info.run_name for c in children) == sorted(ALL)
    assert {c.data.tags["tfpipe.cached"] for c in children} == {"false"}
    assert len({c.data.tags["tfpipe.pid"] for c in children}) == 5  # one process per task

    second = dags_test(setup)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    (run_id2, state2) = dag_runs(setup["home"])[-1]
    assert run_id2 != run_id and state2 == "success"
    assert pushed_versions(serving) == [1]
    parent, children = mlflow_runs(setup["workdir"], run_id2)
    assert parent.info.status == "FINISHED"
    assert sorted(c.info.run_name for c in children) == sorted(ALL)
    assert {c.data.tags["tfpipe.cached"] for c in children} == {"true"}


def tfpipe_process(component: str, workdir: str) -> int | None:
    """The pid of the `tfpipe run --component` process of one component, if running."""
    import psutil

    for process in psutil.process_iter(["pid", "cmdline"]):
        line = process.info["cmdline"] or []
        if "--component" in line and component in line and workdir in line and \
                not any("bash" in os.path.basename(word) for word in line[:1]):
            return int(process.info["pid"])
    return None


@needs_airflow
@pytest.mark.slow
def test_a_task_killed_mid_run_is_retried_and_reruns_only_its_component(forecasting_airflow):
    setup = forecasting_airflow
    env = airflow_env(setup["home"], setup["dags"])
    with subprocess.Popen([AIRFLOW, "dags", "test", "tfpipe_forecasting"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as airflow:
        kill_when_training(setup["workdir"], time.monotonic() + 900)
        assert airflow.wait(timeout=1800) == 0
    (run_id, state), = dag_runs(setup["home"])
    assert state == "success"
    tries = task_instances(setup["home"], run_id)
    assert tries == {"ingest": ("success", 1), "transform": ("success", 1),
                     "train": ("success", 2), "evaluate": ("success", 1),
                     "push": ("success", 1)}
    artifacts = os.path.join(setup["workdir"], "artifacts", "forecasting")
    for component in ALL:  # one finished artifact each; the killed attempt's staging is gone
        assert len(os.listdir(os.path.join(artifacts, component))) == 1, component
    parent, children = mlflow_runs(setup["workdir"], run_id)
    finished = [c for c in children if c.info.status == "FINISHED"]
    assert sorted(c.info.run_name for c in finished) == sorted(ALL)
    assert {c.data.tags["tfpipe.cached"] for c in finished} == {"false"}
    assert parent.info.status == "FINISHED" and parent.data.tags["tfpipe.pushed_version"] == "1"


def dag_parsed(home: str) -> bool:
    try:
        with sqlite3.connect(os.path.join(home, "airflow.db")) as db:
            return bool(db.execute("SELECT 1 FROM dag WHERE dag_id = 'tfpipe_forecasting' AND "
                                   "is_paused = 0").fetchall())
    except sqlite3.Error:
        return False


@contextlib.contextmanager
def scheduler_services(setup: dict[str, str], services) -> Iterator[dict[str, str]]:
    """Airflow's API server, scheduler (LocalExecutor) and DAG processor on loopback; their env.

    Waits until the DAG is parsed and unpaused; stops all three on exit."""
    port = services.free_port()
    env = {**airflow_env(setup["home"], setup["dags"]),
           "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": "2",
           "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
           "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__PORT": str(port),
           "AIRFLOW__API__WORKERS": "1",
           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
           "AIRFLOW__API_AUTH__JWT_SECRET": "tfpipe-test-secret-" + str(os.getpid()),
           "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5"}
    logs = open(os.path.join(setup["home"], "services.log"), "wb")
    airflow = [subprocess.Popen([AIRFLOW, *command], env=env, stdout=logs,
                                stderr=subprocess.STDOUT, start_new_session=True)
               for command in (["api-server"], ["scheduler"], ["dag-processor"])]
    try:
        services.wait(lambda: dag_parsed(setup["home"]) or any(s.poll() is not None
                                                               for s in airflow),
                      "the DAG parsed and unpaused", 600)
        assert all(s.poll() is None for s in airflow), "an Airflow service exited"
        yield env
        assert all(s.poll() is None for s in airflow), "an Airflow service exited"
    finally:
        for service in airflow:
            os.killpg(service.pid, signal.SIGTERM)
        for service in airflow:
            try:
                service.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(service.pid, signal.SIGKILL)
                service.wait()
        logs.close()


def clear_task(home: str, env: dict[str, str], run_id: str, task_id: str) -> list[dict]:
    """Clear a task and its downstream tasks in one DAG run, as the UI's Clear button does."""
    import urllib.request

    api = env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].removesuffix("/execution/")
    with open(os.path.join(home, "simple_auth_manager_passwords.json.generated")) as handle:
        username, password = next(iter(json.load(handle).items()))

    def post(path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json",
                   **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(f"{api}{path}", json.dumps(body).encode(), headers)
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    token = post("/auth/token", {"username": username, "password": password})["access_token"]
    return post("/api/v2/dags/tfpipe_forecasting/clearTaskInstances", {
        "dag_run_id": run_id, "task_ids": [task_id], "include_downstream": True,
        "only_failed": False, "dry_run": False}, token)["task_instances"]


def kill_when_training(workdir: str, deadline: float) -> None:
    """SIGKILL train's tfpipe process once it has started writing its artifact."""
    train_dir = os.path.join(workdir, "artifacts", "forecasting", "train")
    pid = None
    while time.monotonic() < deadline and (pid is None or not (
            os.path.isdir(train_dir) and any(n.startswith(".tmp-")
                                             for n in os.listdir(train_dir)))):
        pid = tfpipe_process("train", workdir)
        time.sleep(0.2)
    assert pid is not None, "train never started"
    os.kill(pid, signal.SIGKILL)


@needs_airflow
@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_a_killed_task_cleared_under_the_scheduler_reruns_only_its_component(tmp_path,
                                                                            services):
    setup = airflow_setup(tmp_path, retries=0)
    with scheduler_services(setup, services) as env:
        subprocess.run([AIRFLOW, "dags", "trigger", "tfpipe_forecasting", "--run-id", "run-1"],
                       env=env, check=True, capture_output=True, timeout=600)
        kill_when_training(setup["workdir"], time.monotonic() + 900)
        services.wait(lambda: dict(dag_runs(setup["home"])).get("run-1") == "failed",
                      "the DAG run failed", 900)
        assert task_instances(setup["home"], "run-1")["train"] == ("failed", 1)
        cleared = clear_task(setup["home"], env, "run-1", "train")
        assert sorted(ti["task_id"] for ti in cleared) == ["evaluate", "push", "train"]
        services.wait(lambda: dict(dag_runs(setup["home"])).get("run-1") in ("success", "failed")
                      and task_instances(setup["home"], "run-1")["push"][0] in ("success",
                                                                               "failed"),
                      "the cleared tasks finished", 1800)
    tries = task_instances(setup["home"], "run-1")
    assert tries["ingest"] == ("success", 1) and tries["transform"] == ("success", 1)
    assert tries["train"] == ("success", 2)
    assert tries["evaluate"][0] == "success" and tries["push"][0] == "success"
    artifacts = os.path.join(setup["workdir"], "artifacts", "forecasting")
    for component in ALL:  # one finished artifact each; the killed attempt's staging is gone
        assert len(os.listdir(os.path.join(artifacts, component))) == 1, component
    parent, children = mlflow_runs(setup["workdir"], "run-1")
    finished = [c for c in children if c.info.status == "FINISHED"]
    assert sorted(c.info.run_name for c in finished) == sorted(ALL)
    assert parent.info.status == "FINISHED" and parent.data.tags["tfpipe.pushed_version"] == "1"


@needs_airflow
@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_two_overlapping_runs_under_the_scheduler_never_run_at_once(forecasting_airflow,
                                                                   services):
    """Airflow's scheduler, executor and API server: the second run waits for the first."""
    setup = forecasting_airflow
    with scheduler_services(setup, services) as env:
        for run_id in ("first", "second"):
            subprocess.run([AIRFLOW, "dags", "trigger", "tfpipe_forecasting", "--run-id", run_id],
                           env=env, check=True, capture_output=True, timeout=600)
        most_at_once = 0
        states: dict[str, str] = {}

        def both_done() -> bool:
            nonlocal most_at_once, states
            states = dict(dag_runs(setup["home"]))
            most_at_once = max(most_at_once, sum(s == "running" for s in states.values()))
            return len(states) == 2 and all(s in ("success", "failed") for s in states.values())

        services.wait(both_done, "both DAG runs finished", 1800)
    assert states == {"first": "success", "second": "success"}
    assert most_at_once == 1
    with sqlite3.connect(os.path.join(setup["home"], "airflow.db")) as db:
        spans = dict((run_id, (start, end)) for run_id, start, end in db.execute(
            "SELECT run_id, start_date, end_date FROM dag_run"))
    assert spans["second"][0] >= spans["first"][1]  # it started after the first ended
    assert pushed_versions(os.path.join(setup["workdir"], "serving", "forecasting")) == [1]
    _, first = mlflow_runs(setup["workdir"], "first")
    _, second = mlflow_runs(setup["workdir"], "second")
    assert {c.data.tags["tfpipe.cached"] for c in first} == {"false"} and len(first) == 5
    assert {c.data.tags["tfpipe.cached"] for c in second} == {"true"} and len(second) == 5
