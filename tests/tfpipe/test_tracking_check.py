"""The tracking store is checked before any component: a dead server or a corrupt sqlite
file stops the run in seconds with one line."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest

TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def test_unreachable_server_is_reported(tmp_path):
    from tfpipe.tracking_check import TrackingUnavailable, check_store

    with pytest.raises(TrackingUnavailable, match="cannot connect"):
        check_store(f"http://127.0.0.1:{closed_port()}")


def test_a_server_that_never_answers_times_out(tmp_path):
    from tfpipe.tracking_check import TrackingUnavailable, check_store

    with socket.socket() as listening:  # accepts connections, never replies
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        started = time.monotonic()
        with pytest.raises(TrackingUnavailable, match="no answer within 0.5 s"):
            check_store(f"http://127.0.0.1:{listening.getsockname()[1]}", timeout=0.5)
        assert time.monotonic() - started < 30


def test_corrupt_and_foreign_sqlite_files(tmp_path):
    from tfpipe.tracking_check import TrackingUnavailable, check_store

    corrupt = tmp_path / "mlflow.db"
    corrupt.write_bytes(os.urandom(4096))
    with pytest.raises(TrackingUnavailable, match="file is not a database"):
        check_store(f"sqlite:///{corrupt}")
    folder = tmp_path / "folder.db"
    folder.mkdir()
    with pytest.raises(TrackingUnavailable, match="is not a file"):
        check_store(f"sqlite:///{folder}")
    check_store(f"sqlite:///{tmp_path / 'absent.db'}")  # made later by MLflow


def test_store_of_a_writer_killed_mid_transaction_is_fine(tmp_path):
    """A hot rollback journal must be rolled back on open, which a read-only look cannot."""
    from tfpipe.tracking_check import check_store

    database = tmp_path / "mlflow.db"
    code = ("import os, sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE t (v TEXT)'); c.commit()\n"
            "c.execute('PRAGMA cache_size=1'); c.execute('BEGIN')\n"
            "c.executemany('INSERT INTO t VALUES (?)', [('x' * 500,)] * 2000)\n"
            "os._exit(0)  # killed inside the transaction\n")
    subprocess.run([sys.executable, "-c", code, str(database)], check=True)
    assert (tmp_path / "mlflow.db-journal").stat().st_size > 0
    check_store(f"sqlite:///{database}")


def test_background_check_raises_in_the_caller(tmp_path):
    from tfpipe.tracking_check import StoreCheck, TrackingUnavailable

    check = StoreCheck(f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(TrackingUnavailable):
        check.result()
    StoreCheck(f"sqlite:///{tmp_path / 'absent.db'}").result()


@pytest.mark.parametrize("uri, message", [
    ("bogus://host/x", "not bogus://"),
    ("file:///tmp/mlruns", "MLflow 3 refuses a file store (./mlruns) unless "
                           "MLFLOW_ALLOW_FILE_STORE=true"),
    ("mlruns", "MLflow 3 refuses a file store"),
    ("mssql+pymssql://user:secret@127.0.0.1/db", "its Python driver pymssql is not installed"),
    ("postgresql+nosuchdriver://127.0.0.1/db", "Can't load plugin"),
])
def test_stores_mlflow_would_refuse_late_are_refused_at_once(uri, message, monkeypatch):
    from tfpipe.tracking_check import TrackingUnavailable, check_store

    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    with pytest.raises(TrackingUnavailable, match=re.escape(message)) as caught:
        check_store(uri)
    assert "secret" not in str(caught.value)


def test_messages_never_show_a_password():
    from tfpipe.tracking_check import TrackingUnavailable, check_store

    for uri in (f"http://user:secret@127.0.0.1:{closed_port()}", "bogus://user:secret@host"):
        with pytest.raises(TrackingUnavailable) as caught:
            check_store(uri)
        assert "secret" not in str(caught.value) and "user:***@" in str(caught.value)


def test_a_database_store_needs_a_server_at_its_host_and_port(monkeypatch):
    from tfpipe.tracking_check import TrackingUnavailable, check_store

    pytest.importorskip("pymysql", reason="MLflow's own MySQL driver dependency is absent")
    port = closed_port()
    with pytest.raises(TrackingUnavailable, match=f"127.0.0.1:{port}: cannot connect"):
        check_store(f"mysql+pymysql://user@127.0.0.1:{port}/db")
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        check_store(f"mysql+pymysql://user@127.0.0.1:{listening.getsockname()[1]}/db")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    check_store("file:///tmp/mlruns")  # the user's own choice: left to MLflow


@pytest.mark.parametrize("store", ["server", "corrupt", "bogus://x", "postgresql://u:p@h/db"])
def test_run_stops_before_ingest(tmp_path, store):
    workdir = tmp_path / "w"
    env = dict(os.environ)
    if store == "server":
        env["MLFLOW_TRACKING_URI"] = "http://127.0.0.1:9"
    elif "://" in store:
        env["MLFLOW_TRACKING_URI"] = store
    else:
        env.pop("MLFLOW_TRACKING_URI", None)
        workdir.mkdir()
        (workdir / "mlflow.db").write_bytes(b"this is not sqlite" * 100)
    done = subprocess.run([TFPIPE, "run", "forecasting", "--workdir", str(workdir)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfpipe: error: MLflow tracking"), lines
    assert not (workdir / "artifacts").exists()  # no component started


@pytest.mark.slow
def test_no_tracking_runs_without_any_store(tmp_path, tiny_series_csv):
    import json

    workdir = tmp_path / "w"
    env = {**os.environ, "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}
    done = subprocess.run([TFPIPE, "run", "forecasting", "--data", tiny_series_csv,
                           "--workdir", str(workdir), "--no-tracking", "--json", "--quiet",
                           "--set", "model=dense", "--set", "epochs=1", "--set", "window_size=4"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["run_id"] is None and summary["registered_model"] is None
    assert "not tracked" in done.stderr
    assert not (workdir / "mlflow.db").exists() and not (workdir / "mlartifacts").exists()


def test_an_orchestrator_run_id_without_tracking_is_refused_before_anything_is_written(
        tmp_path, capsys):
    from tfpipe import cli

    workdir = tmp_path / "w"
    code = cli.main(["run", "forecasting", "--workdir", str(workdir), "--no-tracking",
                     "--run-id", "run-7", "--component", "ingest", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert (code, err) == (2, ["tfpipe: error: --run-id run-7 names the MLflow run to record "
                               "into, and --no-tracking records nothing: drop one of them"])
    assert not workdir.exists()
