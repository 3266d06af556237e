"""New sqlite MLflow stores are made whole or not at all, from a schema tfpipe ships when it can.

MLflow builds a new sqlite store by running every schema migration, seconds of CPU (see
benchmarks/RESULTS.md). tfpipe ships the SQL of an empty, fully migrated store for the MLflow
version constraints.txt pins (mlflow_schema/, written by .ci/refresh-mlflow-schema from
MLflow's own migrations; a test checks it against them), and a new store of that version
is made from it in milliseconds. With another MLflow version, the first store is migrated
into a template in the cache folder the user names (TFPIPE_CACHE_DIR) and later ones copy it;
without one, each is migrated. Done in place, a run killed meanwhile would leave a
half-made store every later run fails to open, so the store is made under a temporary name
beside it and linked into place when complete. Every source holds the schema only: MLflow
adds its Default experiment when it opens the store.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sqlite3
import tempfile

from tfpipe.user_caches import shared_cache_dir

SQLITE_PREFIX = "sqlite:///"
# Statements of a dump that are not tables or rows; they only refer to tables.
_SCHEMA_OBJECTS = ("CREATE INDEX", "CREATE UNIQUE INDEX", "CREATE TRIGGER")
SCHEMA_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlflow_schema")
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
        if (not _restore_packaged_schema(partial) and not _copy_template(partial)
                and not _migrate(partial)):
            return False  # a future MLflow without the migration entry point: it makes the store
        return _link_into_place(partial, database)
    finally:
        _remove(leftovers)


def _remove(paths: tuple[str, ...]) -> None:
    """Delete these files where they exist."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _restore_packaged_schema(partial: str) -> bool:
    """Write the shipped schema of the installed MLflow to `partial`; False when none is."""
    schema = packaged_schema_path()
    if not os.path.exists(schema):
        return False
    with open(schema, encoding="utf-8") as handle:
        script = handle.read()
    connection = sqlite3.connect(partial)
    try:
        connection.executescript(script)
    finally:
        connection.close()
    return True


def packaged_schema_path() -> str:
    """Where tfpipe ships the empty store's SQL for the installed MLflow version."""
    return os.path.join(SCHEMA_FOLDER, f"{_empty_store_name()}.sql")


def _empty_store_name() -> str:
    """The name an empty store of the installed MLflow version goes by (schema, template)."""
    import mlflow

    return f"mlflow-{mlflow.__version__}"


def schema_sql(database: str) -> str:
    """The SQL that recreates a sqlite database: its tables and rows, then its other objects.

    Tables come by name, as sqlite's dump lists them; indexes and triggers are sorted too,
    since the dump lists them in creation order, which differs between two migrations.
    """
    connection = sqlite3.connect(database)
    try:
        statements = list(connection.iterdump())
    finally:
        connection.close()
    objects = sorted(s for s in statements if s.startswith(_SCHEMA_OBJECTS))
    tables = [s for s in statements if not s.startswith(_SCHEMA_OBJECTS)
              and s not in ("BEGIN TRANSACTION;", "COMMIT;")]
    return "\n".join(["BEGIN TRANSACTION;", *tables, *objects, "COMMIT;"]) + "\n"


def migrated_schema_sql() -> str:
    """The SQL of an empty store the installed MLflow has made and migrated in full."""
    with tempfile.TemporaryDirectory(prefix="tfpipe-mlflow-schema-") as folder:
        database = os.path.join(folder, "mlflow.db")
        if not _migrate(database):
            raise RuntimeError("this MLflow has no migration entry point "
                               "(mlflow.store.db.utils._initialize_tables)")
        return schema_sql(database)


def write_packaged_schema() -> str:
    """Ship the installed MLflow's schema in place of any earlier version's; its path."""
    target = packaged_schema_path()
    script = migrated_schema_sql()
    for stale in glob.glob(os.path.join(SCHEMA_FOLDER, "mlflow-*.sql")):
        if stale != target:
            os.remove(stale)
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(script)
    return target


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
    folder = shared_cache_dir()
    return os.path.join(folder, f"{_empty_store_name()}-empty.db") if folder else None


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
