"""New sqlite MLflow stores are made whole or not at all: from the empty-store SQL tfpipe ships
for the pinned MLflow, else copied from one template per MLflow version kept in the cache folder
the user names (TFPIPE_CACHE_DIR), else migrated; always under a temporary name first."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from tfpipe.errors import InputError
import tfpipe.mlflow_store as store
from tfpipe.mlflow_store import (PARTIAL_SUFFIX, migrated_schema_sql, packaged_schema_path,
                                 seed_new_store, sqlite_path, template_path,
                                 write_packaged_schema)


@pytest.fixture
def nothing_shipped(tmp_path, monkeypatch) -> str:
    """No shipped schema, as with an MLflow version other than the pinned one."""
    folder = tmp_path / "no-shipped-schema"
    folder.mkdir()
    monkeypatch.setattr(store, "SCHEMA_FOLDER", str(folder))
    return str(folder)


@pytest.fixture
def cache(tmp_path, monkeypatch, nothing_shipped) -> str:
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(tmp_path / "cache"))
    return str(tmp_path / "cache")


def test_the_shipped_schema_is_what_the_installed_mlflow_migrates_to():
    import mlflow

    shipped = packaged_schema_path()
    assert os.path.exists(shipped), (
        f"no empty-store SQL for MLflow {mlflow.__version__} in {store.SCHEMA_FOLDER}: "
        "run .ci/refresh-mlflow-schema")
    with open(shipped, encoding="utf-8") as handle:
        assert canonical(handle.read()) == canonical(migrated_schema_sql()), \
            "run .ci/refresh-mlflow-schema"


def canonical(script: str) -> list:
    """The statements of a schema script, each table's constraints as a set.

    MLflow's migrations rebuild some tables from reflected constraints, whose order differs
    between two migrations of the same version; a column's position matters and is kept.
    """
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(_canonical_statement(pending.strip()))
            pending = ""
    return statements


def _canonical_statement(statement: str) -> object:
    if not statement.startswith("CREATE TABLE"):
        return statement
    head, *body, tail = statement.splitlines()
    parts = [line.strip().rstrip(",").strip() for line in body]
    constraints = ("CONSTRAINT", "PRIMARY KEY", "FOREIGN KEY", "UNIQUE", "CHECK")
    return (head.replace('"', ""), [p for p in parts if not p.startswith(constraints)],
            sorted(p for p in parts if p.startswith(constraints)), tail)


def test_a_new_store_is_made_from_the_shipped_schema_without_migrating(tmp_path, monkeypatch):
    import sqlalchemy
    from mlflow.store.db.utils import _verify_schema
    from mlflow.tracking import MlflowClient

    def no_migration(path):
        raise AssertionError("migrated although a schema is shipped")

    monkeypatch.delenv("TFPIPE_CACHE_DIR", raising=False)
    monkeypatch.setattr(store, "_migrate", no_migration)
    database = tmp_path / "w" / "mlflow.db"
    assert seed_new_store(f"sqlite:///{database}")
    assert os.listdir(database.parent) == ["mlflow.db"]
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    _verify_schema(engine)  # MLflow's own check: the store is at the latest schema revision
    engine.dispose()
    _assert_usable(database)
    assert MlflowClient(f"sqlite:///{database}").get_experiment("0").name == "Default"


def test_without_a_shipped_schema_or_a_cache_the_store_is_migrated(tmp_path, monkeypatch,
                                                                  nothing_shipped):
    monkeypatch.delenv("TFPIPE_CACHE_DIR", raising=False)
    database = tmp_path / "w" / "mlflow.db"
    assert seed_new_store(f"sqlite:///{database}")
    assert store.schema_sql(str(database)).startswith("BEGIN TRANSACTION;")
    _assert_usable(database)


def test_writing_the_shipped_schema_replaces_an_earlier_versions(nothing_shipped):
    stale = os.path.join(nothing_shipped, "mlflow-0.0.1.sql")
    with open(stale, "w") as handle:
        handle.write("-- an older MLflow's schema\n")
    written = write_packaged_schema()
    assert os.listdir(nothing_shipped) == [os.path.basename(written)]
    restored = sqlite3.connect(":memory:")
    with open(written, encoding="utf-8") as handle:
        restored.executescript(handle.read())
    tables = {name for (name,) in restored.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"experiments", "runs", "metrics", "alembic_version"} <= tables


def test_new_stores_are_copies_of_one_template_that_mlflow_accepts(tmp_path, cache):
    import sqlalchemy
    from mlflow.store.db.utils import _verify_schema
    from mlflow.tracking import MlflowClient

    first, second = tmp_path / "a" / "mlflow.db", tmp_path / "b" / "mlflow.db"
    assert seed_new_store(f"sqlite:///{first}")
    template = template_path()
    assert template.startswith(cache) and os.path.exists(template)
    made = os.stat(template).st_mtime_ns
    assert seed_new_store(f"sqlite:///{second}")
    assert os.stat(template).st_mtime_ns == made  # migrated once, copied after
    engine = sqlalchemy.create_engine(f"sqlite:///{second}")
    _verify_schema(engine)  # MLflow's own check: the copy is at the latest schema revision
    engine.dispose()
    client = MlflowClient(tracking_uri=f"sqlite:///{second}")
    experiment = client.create_experiment("demo")
    run = client.create_run(experiment)
    client.log_metric(run.info.run_id, "mae", 1.5)
    assert client.get_run(run.info.run_id).data.metrics == {"mae": 1.5}
    assert client.get_experiment("0").name == "Default"  # added by MLflow on first open


def test_an_existing_store_is_never_replaced(tmp_path, cache):
    database = tmp_path / "mlflow.db"
    database.write_bytes(b"runs worth keeping")
    assert not seed_new_store(f"sqlite:///{database}")
    assert database.read_bytes() == b"runs worth keeping"


def test_only_sqlite_files_are_seeded(cache):
    assert sqlite_path("http://127.0.0.1:5000") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert not seed_new_store("http://127.0.0.1:5000")
    assert not os.path.exists(cache)


def test_without_a_cache_folder_the_store_is_migrated_in_its_own_folder_only(
        tmp_path, monkeypatch, nothing_shipped):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("TFPIPE_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    assert template_path() is None
    assert seed_new_store(f"sqlite:///{tmp_path / 'w' / 'mlflow.db'}")
    assert list(home.iterdir()) == []
    assert sorted(os.listdir(tmp_path / "w")) == ["mlflow.db"]  # no partial left beside it
    _assert_usable(tmp_path / "w" / "mlflow.db")


def test_a_template_that_cannot_be_written_leaves_the_store_migrated_in_place(
        tmp_path, monkeypatch, nothing_shipped):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(blocker / "cache"))
    assert seed_new_store(f"sqlite:///{tmp_path / 'w' / 'mlflow.db'}")
    assert blocker.read_text() == "not a folder"
    _assert_usable(tmp_path / "w" / "mlflow.db")


# Stands in for making the store (shipped schema or migration): it starts the store file, says
# so, and never finishes.
_HANGING_MIGRATION = """
import sys, time
import tfpipe.mlflow_store as store
def hang(path):
    open(path, "wb").write(b"half a schema")
    open(sys.argv[2], "w").close()
    time.sleep(600)
store._migrate = store._restore_packaged_schema = hang  # whichever makes this store
store.seed_new_store("sqlite:///" + sys.argv[1])
"""


def test_a_run_killed_while_the_store_is_migrated_leaves_no_store_and_the_next_makes_it(
        tmp_path, monkeypatch, services):
    monkeypatch.delenv("TFPIPE_CACHE_DIR", raising=False)
    database, started = tmp_path / "w" / "mlflow.db", tmp_path / "started"
    child = subprocess.Popen([sys.executable, "-c", _HANGING_MIGRATION, str(database),
                              str(started)])
    try:
        services.wait(started.exists, "the migration in the child process", process=child)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert not database.exists()  # never a half-made store under the real name
    left = [name for name in os.listdir(database.parent) if PARTIAL_SUFFIX in name]
    assert left == [f"mlflow.db.{child.pid}{PARTIAL_SUFFIX}"]
    assert seed_new_store(f"sqlite:///{database}")
    assert os.listdir(database.parent) == ["mlflow.db"]  # the dead run's partial is gone
    _assert_usable(database)


def test_a_partial_left_under_this_process_id_is_not_migrated_into(tmp_path, monkeypatch):
    monkeypatch.delenv("TFPIPE_CACHE_DIR", raising=False)
    database = tmp_path / "mlflow.db"
    stale = tmp_path / f"mlflow.db.{os.getpid()}{PARTIAL_SUFFIX}"  # a dead run had this pid
    stale.write_bytes(b"half a schema")
    assert seed_new_store(f"sqlite:///{database}")
    assert os.listdir(tmp_path) == ["mlflow.db"]
    _assert_usable(database)


def test_a_half_migrated_store_is_named_in_one_line_with_what_to_do(tmp_path, monkeypatch):
    import sqlalchemy

    from tfpipe.runs import open_store

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    database = tmp_path / "mlflow.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:  # one of MLflow's tables, as a killed migration leaves
        connection.execute(sqlalchemy.text(
            "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT)"))
    engine.dispose()
    with pytest.raises(InputError) as raised:
        open_store(str(tmp_path))
    message = str(raised.value)
    assert "\n" not in message and "[SQL" not in message
    assert f"MLflow store {database} is damaged" in message
    assert f"mv {database} {database}.damaged" in message


def test_the_tracking_process_reports_an_error_in_one_line():
    import sqlalchemy

    from tfpipe.tracking_process import first_line

    error = sqlalchemy.exc.OperationalError("ALTER TABLE metrics ADD COLUMN step", {},
                                            Exception("duplicate column name: step"))
    assert "\n" in "".join(str(error))
    line = first_line(error)
    assert "\n" not in line and line.startswith("sqlalchemy.exc.OperationalError")
    assert "duplicate column name: step" in line


def _assert_usable(database) -> None:
    """MLflow opens the store, and a run logged there reads back."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{database}")
    run = client.create_run(client.create_experiment("probe"))
    client.log_metric(run.info.run_id, "mae", 2.5)
    assert client.get_run(run.info.run_id).data.metrics == {"mae": 2.5}
