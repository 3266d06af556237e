"""New sqlite MLflow stores are made whole or not at all, from a migrated template when one is kept.

MLflow builds a new sqlite store by running every schema migration, seconds of CPU (see
benchmarks/RESULTS.md). Done in place, a run killed meanwhile leaves a half-migrated store that
every later run fails to open, so the store is migrated under a temporary name beside it and
linked into place when complete. When the user names a cache folder shared by their workdirs
(TFPIPE_CACHE_DIR), the first store made by an MLflow version is migrated into a template
there, and later new stores copy it. Without one, nothing is written outside the workdir.
The template holds the schema only: MLflow adds its Default experiment when it opens the copy.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile

from tfpipe.user_caches import shared_cache_dir

SQLITE_PREFIX = "sqlite:///"
PARTIAL_SUFFIX = ".partial"
# What sqlite says when MLflow's migrations meet tables or columns a killed migration left.
_HALF_MIGRATED = ("already exists", "duplicate column name", "no such table",
                  "no such column")


def sqlite_path(tracking_uri: str) -> str | None:
    """The database file of a sqlite tracking URI, or None for any other store."""
    if not tracking_uri.startswith(SQLITE_PREFIX):
        return None
    path = tracking_uri[len(SQLITE_PREFIX):]
    return path if path and path != ":memory:" else None


def seed_new_store(tracking_uri: str) -> bool:
    """Make a sqlite store that does not exist yet, migrated in full; True if this call made it."""
    database = sqlite_path(tracking_uri)
    if database is None or os.path.exists(database):
        return False
    os.makedirs(os.path.dirname(database) or ".", exist_ok=True)
    remove_stale_partials(database)
    partial = f"{database}.{os.getpid()}{PARTIAL_SUFFIX}"
    leftovers = (partial, f"{partial}-journal")
    _remove(leftovers)  # a dead process's, whose pid this process now has
    try:
        if not _copy_template(partial) and not _migrate(partial):
            return False  # a future MLflow without the migration entry point: it makes the store
        return _link_into_place(partial, database)
    finally:
        _remove(leftovers)


def _remove(paths: tuple[str, ...]) -> None:
    """Delete these files where they exist."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _copy_template(partial: str) -> bool:
    """Copy the cached template to `partial`; False when there is none and none can be made."""
    template = template_path()
    try:
        if template is None or (not os.path.exists(template) and not make_template(template)):
            return False
        shutil.copyfile(template, partial)
    except OSError:  # only a head start (a full cache disk, say): the store is migrated here
        return False
    return True


def _link_into_place(partial: str, database: str) -> bool:
    """Give the complete store its name unless another process did first; True if this one did."""
    try:
        os.link(partial, database)
    except FileExistsError:  # another run made the store meanwhile: keep theirs
        return False
    except OSError:  # a file system without hard links
        if os.path.exists(database):
            return False
        os.replace(partial, database)
    return True


def remove_stale_partials(database: str) -> None:
    """Delete half-made stores beside `database` whose making process is gone."""
    for path in glob.glob(glob.escape(database) + ".*" + PARTIAL_SUFFIX + "*"):
        pid = path[len(database) + 1:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            _remove((path,))


def _alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def template_path() -> str | None:
    """The template for the installed MLflow version in TFPIPE_CACHE_DIR; None when unset."""
    import mlflow

    folder = shared_cache_dir()
    return os.path.join(folder, f"mlflow-{mlflow.__version__}-empty.db") if folder else None


def make_template(template: str) -> bool:
    """Let MLflow create and migrate an empty store at `template`; False if it cannot."""
    os.makedirs(os.path.dirname(template), exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".mlflow-template-", suffix=".db",
                                       dir=os.path.dirname(template))
    os.close(handle)
    os.remove(partial)  # MLflow must find no tables, i.e. no file
    try:
        if not _migrate(partial):
            return False
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)
        raise
    os.replace(partial, template)  # concurrent makers: each rename installs a whole template
    return True


def _migrate(path: str) -> bool:
    """Create and migrate an empty MLflow store at `path` (absent); False if MLflow cannot."""
    import sqlalchemy

    try:
        from mlflow.store.db.utils import _initialize_tables
    except ImportError:  # a future MLflow without it: stores are made the slow way
        return False
    engine = sqlalchemy.create_engine(f"{SQLITE_PREFIX}{path}")
    try:
        _initialize_tables(engine)
    finally:
        engine.dispose()
    return True


def damaged_store_message(tracking_uri: str, error: BaseException) -> str | None:
    """One line for a sqlite store whose schema is half made, else None."""
    database = sqlite_path(tracking_uri)
    text = str(error)
    if database is None or not any(sign in text for sign in _HALF_MIGRATED):
        return None
    return (f"MLflow store {database} is damaged: its schema is half made (typically a run "
            f"killed while the store was being created); move it aside (mv {database} "
            f"{database}.damaged) and re-run: a new store is made, and the artifacts, cache "
            f"and pushed models are kept")
