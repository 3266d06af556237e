"""A new sqlite MLflow store starts as a copy of an empty, migrated store kept per MLflow version.

MLflow builds a new sqlite store by running every schema migration, seconds of CPU (see
benchmarks/RESULTS.md), on every new workdir, while the pipeline runs. When the user names a
cache folder shared by their workdirs (TFPIPE_CACHE_DIR), the first store made by an MLflow
version is migrated by MLflow itself into a template there, and later new stores copy it.
Without one, nothing is written outside the workdir and MLflow migrates each new store.
The template holds the schema only: MLflow adds its Default experiment when it opens the copy.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from tfpipe.user_caches import shared_cache_dir

SQLITE_PREFIX = "sqlite:///"


def sqlite_path(tracking_uri: str) -> str | None:
    """The database file of a sqlite tracking URI, or None for any other store."""
    if not tracking_uri.startswith(SQLITE_PREFIX):
        return None
    path = tracking_uri[len(SQLITE_PREFIX):]
    return path if path and path != ":memory:" else None


def seed_new_store(tracking_uri: str) -> bool:
    """Copy the empty template to a sqlite store that does not exist yet; True if it did."""
    database = sqlite_path(tracking_uri)
    if database is None or os.path.exists(database):
        return False
    template = template_path()
    try:
        if template is None or (not os.path.exists(template) and not make_template(template)):
            return False
    except OSError:  # only a head start (a full disk, say): MLflow migrates the store itself
        return False
    os.makedirs(os.path.dirname(database) or ".", exist_ok=True)
    _copy_into_place(template, database)
    return True


def template_path() -> str | None:
    """The template for the installed MLflow version in TFPIPE_CACHE_DIR; None when unset."""
    import mlflow

    folder = shared_cache_dir()
    return os.path.join(folder, f"mlflow-{mlflow.__version__}-empty.db") if folder else None


def make_template(template: str) -> bool:
    """Let MLflow create and migrate an empty store at `template`; False if it cannot."""
    import sqlalchemy

    try:
        from mlflow.store.db.utils import _initialize_tables
    except ImportError:  # a future MLflow without it: stores are made the slow way
        return False
    os.makedirs(os.path.dirname(template), exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".mlflow-template-", suffix=".db",
                                       dir=os.path.dirname(template))
    os.close(handle)
    os.remove(partial)  # MLflow must find no tables, i.e. no file
    engine = sqlalchemy.create_engine(f"{SQLITE_PREFIX}{partial}")
    try:
        _initialize_tables(engine)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    finally:
        engine.dispose()
    os.replace(partial, template)  # concurrent makers: each rename installs a whole template
    return True


def _copy_into_place(source: str, target: str) -> None:
    """Copy under a temporary name beside `target`, then link it into place if still absent."""
    partial = f"{target}.{os.getpid()}.partial"
    shutil.copyfile(source, partial)
    try:
        with contextlib.suppress(FileExistsError):  # another process made the store: keep it
            os.link(partial, target)
    finally:
        os.remove(partial)
