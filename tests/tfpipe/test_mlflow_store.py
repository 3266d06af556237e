"""New sqlite MLflow stores are copies of one migrated, empty template per MLflow version, kept
in the cache folder the user names (TFPIPE_CACHE_DIR); without one, nothing is kept."""
from __future__ import annotations

import os

import pytest
from tfpipe.mlflow_store import seed_new_store, sqlite_path, template_path


@pytest.fixture
def cache(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(tmp_path / "cache"))
    return str(tmp_path / "cache")


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


def test_without_a_cache_folder_no_template_is_written_anywhere(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("TFPIPE_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    assert template_path() is None
    assert not seed_new_store(f"sqlite:///{tmp_path / 'w' / 'mlflow.db'}")
    assert list(home.iterdir()) == [] and not (tmp_path / "w").exists()


def test_a_template_that_cannot_be_written_leaves_the_store_to_mlflow(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(blocker / "cache"))
    assert not seed_new_store(f"sqlite:///{tmp_path / 'w' / 'mlflow.db'}")
    assert blocker.read_text() == "not a folder"
