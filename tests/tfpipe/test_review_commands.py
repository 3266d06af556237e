"""`tfpipe runs` and `tfpipe ui` on a workdir after two real runs (one blessed, one not)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request

import pytest

from tfpipe.cli import main
from tfpipe.local_run import run_task

pytestmark = pytest.mark.slow
FAST = ["model=dense", "units=32", "window_size=12", "epochs=40", "patience=8",
        "batch_size=16"]
TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, services):
    """A blessed run that pushes version 1, then one that a strict margin refuses."""
    root = tmp_path_factory.mktemp("review")
    data = services.sine_series(str(root))
    workdir = str(root / "w")
    first = run_task("forecasting", data, None, FAST, workdir, [], quiet=True)
    second = run_task("forecasting", data, None, FAST + ["margin=0.99"], workdir, [],
                      quiet=True)
    assert first["blessed"] and first["pushed_version"] == 1, first["reason"]
    assert not second["blessed"] and second["pushed_version"] is None
    return workdir, first, second


def cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_runs_lists_both_runs_newest_first_with_blessing_and_versions(two_runs, capsys):
    workdir, first, second = two_runs
    code, out, _ = cli(capsys, ["runs", "--workdir", workdir, "--json"])
    assert code == 0
    rows = json.loads(out)
    assert [r["run_id"] for r in rows] == [second["run_id"], first["run_id"]]
    assert [r["blessed"] for r in rows] == [False, True]
    assert [r["pushed_version"] for r in rows] == [None, 1]
    assert rows[0]["cached"] == ["ingest", "transform", "train"] and rows[1]["cached"] == []
    assert rows[1]["headline"]["metric"] == "mae"
    assert rows[1]["headline"]["candidate"] == pytest.approx(
        first["metrics"]["candidate"]["mae"])
    naive = first["metrics"]["baselines"]["naive"]["mae"]
    average = first["metrics"]["baselines"]["moving_average"]["mae"]
    assert rows[1]["headline"]["baseline"] == pytest.approx(min(naive, average))
    assert rows[1]["registered_model"] == "forecasting/1"
    code, table, _ = cli(capsys, ["runs", "forecasting", "--workdir", workdir])
    lines = table.strip().splitlines()
    assert len(lines) == 3 and lines[0].split()[:2] == ["started", "run"]
    assert second["run_id"][:12] in lines[1] and " no " in lines[1]
    assert first["run_id"][:12] in lines[2] and " yes " in lines[2] and " 1 " in lines[2]
    code, out, _ = cli(capsys, ["runs", "vision", "--workdir", workdir, "--json"])
    assert json.loads(out) == []


def test_compare_shows_config_data_code_and_metrics(two_runs, capsys):
    workdir, first, second = two_runs
    code, out, _ = cli(capsys, ["runs", "--workdir", workdir, "--json", "--compare",
                                first["run_id"][:8], second["run_id"][:8]])
    assert code == 0
    diff = json.loads(out)
    assert diff["config"] == {"margin": ["0.05", "0.99"]}
    assert diff["data"]["changed"] is False and diff["code"] == []
    assert diff["metrics"]["blessing/blessed"] == [1.0, 0.0]
    assert diff["blessed"] == [True, False] and diff["pushed_version"] == ["1", None]
    code, text, _ = cli(capsys, ["runs", "--workdir", workdir, "--compare",
                                 first["run_id"], second["run_id"]])
    assert "margin: 0.05 -> 0.99" in text and "data: unchanged" in text
    assert "code: unchanged" in text and "blessing/blessed: 1 -> 0 (-1)" in text


def test_runs_refuses_a_workdir_without_a_store_and_an_unknown_run(two_runs, tmp_path, capsys):
    workdir, _, _ = two_runs
    for command in ("runs", "ui"):  # ui says so before announcing a slow server start
        code, out, err = cli(capsys, [command, "--workdir", str(tmp_path / "none")])
        assert code == 2 and err.strip().splitlines() == [err.strip()], err
        assert "no MLflow store here" in err and not out
        assert not (tmp_path / "none").exists()
    code, _, err = cli(capsys, ["runs", "--workdir", workdir, "--compare", "zzz", "yyy"])
    assert code == 2 and "--compare zzz: no pipeline runs match" in err
    code, _, err = cli(capsys, ["runs", "--workdir", workdir, "--compare", "", " "])
    assert code == 2 and "--compare: an empty run id" in err


@pytest.mark.parametrize("argv, message", [
    (["runs", "weather"], "argument TASK: unknown task 'weather'; choose one of: forecasting"),
    (["ui", "--port", "0"], "argument --port: '0': expected a port from 1 to 65535"),
    (["ui", "--port", "70000"], "argument --port: '70000': expected a port from 1 to 65535"),
])
def test_an_unknown_task_or_a_port_that_cannot_be_listened_on_is_refused(argv, message,
                                                                          tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--workdir", str(tmp_path)])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_runs_of_a_task_with_none_says_so(two_runs, capsys):
    workdir, _, _ = two_runs
    code, out, err = cli(capsys, ["runs", "text", "--workdir", workdir])
    assert code == 0 and out.strip().splitlines() == [out.strip().splitlines()[0]]
    assert err.strip() == f"no pipeline runs of text in {workdir}'s store yet"


def server_processes(port: int) -> list[str]:
    """Command lines of the processes serving on `port` (tfpipe ui itself left out)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if f"--port {port}" in args and " ui " not in args:
            found.append(args)
    return found


def test_ui_serves_the_moved_workdir_with_one_worker_on_loopback(two_runs, tmp_path,
                                                                   services):
    workdir, first, _ = two_runs
    moved = str(tmp_path / "moved-work")
    shutil.copytree(workdir, moved)  # a copy elsewhere, as a mounted or shared workdir is
    process, url, port = services.start_ui(moved, "--run", first["run_id"])
    try:
        assert url.startswith(f"http://127.0.0.1:{port}/#/experiments/")
        assert url.endswith(f"/runs/{first['run_id']}?workflowType=machine_learning")
        processes = server_processes(port)
        assert len(processes) == 2, processes  # mlflow server and its one uvicorn worker
        assert any("--workers 1" in p and "--host 127.0.0.1" in p for p in processes)
        assert not [p for p in processes if "huey" in p or "job_runner" in p]
        api = f"http://127.0.0.1:{port}/api/2.0/mlflow"
        query = json.dumps({"experiment_ids": [url.split("/experiments/")[1].split("/")[0]],
                            "filter": f"tags.mlflow.parentRunId = '{first['run_id']}' "
                                      "and attributes.run_name = 'evaluate'"}).encode()
        request = urllib.request.Request(f"{api}/runs/search", data=query,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            evaluate = json.load(response)["runs"][0]["info"]["run_id"]
        with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/get-artifact?path=plots/forecast_vs_actual.png"
                f"&run_uuid={evaluate}", timeout=60) as response:
            assert response.read()[:4] == b"\x89PNG"
    finally:
        services.stop_ui(process)
    services.wait(lambda: server_processes(port) == [], "mlflow server gone after Ctrl-C", 60)


def test_ui_prints_the_experiment_in_model_training_mode_with_review_columns(two_runs,
                                                                            services):
    workdir, _, _ = two_runs
    from tfpipe.mlflow_artifacts import client_for

    process, url, port = services.start_ui(workdir)
    try:
        assert "?workflowType=machine_learning&viewStateShareKey=tfpipe-review" in url
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=60) as response:
            assert response.status == 200
    finally:
        services.stop_ui(process)
    client = client_for(f"sqlite:///{workdir}/mlflow.db", os.path.join(workdir, "mlartifacts"))
    view = json.loads(client.get_experiment_by_name("forecasting").tags[
        "mlflow.sharedViewState.tfpipe-review"])
    assert {"metrics.`mae/candidate`", "metrics.`mae/naive`", "tags.`tfpipe.blessed`",
            "metrics.`pushed_version`"} <= set(view["selectedColumns"])


def test_ui_names_a_taken_port_and_an_unknown_run(two_runs):
    workdir, _, _ = two_runs
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([TFPIPE, "ui", "--workdir", workdir, "--port", str(port)],
                              capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert f"is port {port} taken? try --port" in done.stderr
    assert os.path.exists(os.path.join(workdir, "logs", "mlflow-ui.log"))
    unknown = subprocess.run([TFPIPE, "ui", "--workdir", workdir, "--run", "zzz"],
                             capture_output=True, text=True, timeout=300, check=False)
    assert unknown.returncode == 2 and "--run zzz: no pipeline runs match" in unknown.stderr


def test_runs_against_a_dead_tracking_server_is_one_line_not_a_wait(tmp_path, capsys,
                                                                     monkeypatch, services):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{services.free_port()}")
    for command in ("runs", "ui"):
        code, out, err = cli(capsys, [command, "--workdir", str(tmp_path)])
        assert code == 2 and not out and err.count("\n") == 1, err
        assert "cannot connect" in err and "point MLFLOW_TRACKING_URI at the store" in err
