"""A quick look at the MLflow tracking store before any component runs, in a thread.

MLflow itself retries an unreachable server for minutes (MLFLOW_HTTP_REQUEST_MAX_RETRIES,
7 with backoff, each try up to MLFLOW_HTTP_REQUEST_TIMEOUT) and the tracking process only
opens the store once the first component has finished; this check needs neither MLflow
nor more than one try, so a dead server or a corrupt sqlite file stops the run in seconds.
Only what can be told cheaply is checked: that an http(s) server answers at all, that an
existing sqlite file is a database, that a database URI has its Python driver and a server
listening at its host and port, that a file store is allowed (MLflow 3 refuses it unless
MLFLOW_ALLOW_FILE_STORE=true), and that the scheme is one MLflow stores runs in. Databricks
and Unity Catalog URIs are left to MLflow.
"""
from __future__ import annotations

import os
import re
import ssl
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from tfpipe.errors import TfpipeError
from tfpipe.mlflow_store import sqlite_path
from tfpipe.reachable import connect_problem

CHECK_TIMEOUT = 10.0  # seconds; at most MLFLOW_HTTP_REQUEST_TIMEOUT when that is lower
HINT = ("set MLFLOW_TRACKING_URI (or --set mlflow_tracking_uri=...) to a store that works, "
        "or pass --no-tracking")


class TrackingUnavailable(TfpipeError):
    """The tracking store cannot be used: names the URI, the cause and what to do."""


# Schemes (before any +driver) of the tracking stores MLflow 3 writes runs to.
DATABASES = ("postgresql", "mysql", "mssql")
LEFT_TO_MLFLOW = ("databricks", "databricks-uc", "uc")
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}
DRIVER_EXAMPLES = {"postgresql": "postgresql+psycopg2:// with tfpipe[postgres]",
                   "mysql": "mysql+pymysql://", "mssql": "mssql+pymssql://"}
PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")  # the password of scheme://user:password@host


def check_store(tracking_uri: str, timeout: float = CHECK_TIMEOUT, hint: str = HINT) -> None:
    """Raise TrackingUnavailable when the store is plainly unusable; otherwise return."""
    scheme = urlsplit(tracking_uri).scheme.lower().partition("+")[0]
    if scheme in ("http", "https"):
        _check_server(tracking_uri, timeout, hint)
    elif sqlite_path(tracking_uri) is not None:
        _check_sqlite(tracking_uri, sqlite_path(tracking_uri) or "", timeout, hint)
    elif scheme in ("", "file"):
        _check_file_store(tracking_uri, hint)
    elif scheme in DATABASES:
        _check_database(tracking_uri, scheme, timeout, hint)
    elif scheme not in LEFT_TO_MLFLOW:
        raise TrackingUnavailable(
            f"MLflow tracking store {masked(tracking_uri)}: MLflow keeps runs in sqlite:///PATH, "
            f"http(s)://SERVER, {', '.join(f'{d}://...' for d in DATABASES)} or Databricks, "
            f"not {scheme}://; {hint}")


def _check_file_store(uri: str, hint: str) -> None:
    """MLflow 3 has put the file store in maintenance mode and refuses it unless allowed."""
    if os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").lower() != "true":
        raise TrackingUnavailable(
            f"MLflow tracking store {uri}: MLflow 3 refuses a file store (./mlruns) unless "
            f"MLFLOW_ALLOW_FILE_STORE=true; use sqlite:///PATH/mlflow.db instead, or {hint}")


def _check_database(uri: str, scheme: str, timeout: float, hint: str) -> None:
    """The URI's Python driver imports (as SQLAlchemy picks it) and a server listens there."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(uri)
        dialect = url.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise TrackingUnavailable(f"MLflow tracking store {masked(uri)}: {error}; {hint}") \
            from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        raise TrackingUnavailable(
            f"MLflow tracking store {masked(uri)}: its Python driver {dialect.driver} is not "
            f"installed ({error}); install it, or name one that is in the URI (e.g. "
            f"{DRIVER_EXAMPLES[scheme]}); {hint}") from None
    if not url.host:
        return  # a local socket: MLflow connects through the driver
    port = url.port or DEFAULT_PORTS[scheme]
    cause = connect_problem(url.host, port, timeout)
    if cause:
        raise TrackingUnavailable(f"MLflow tracking store {masked(uri)}: {url.host}:{port}: "
                                  f"{cause}; {hint}")


def masked(uri: str) -> str:
    """The URI with any password masked, for messages."""
    return PASSWORD.sub(r"\1***@", uri)


def _check_server(uri: str, timeout: float, hint: str) -> None:
    """One GET with a short timeout: any HTTP answer below 500 means a server is there."""
    configured = os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", "")
    if configured.replace(".", "", 1).isdigit():
        timeout = min(timeout, float(configured))
    url = f"{uri.rstrip('/')}/api/2.0/mlflow/experiments/search?max_results=1"
    context = None
    if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
        context = ssl._create_unverified_context()  # the user's own choice, as MLflow does
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context):
            return
    except urllib.error.HTTPError as error:
        if error.code < 500:
            return  # answered; credentials and the rest are MLflow's to judge
        cause = f"HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        cause = (f"no answer within {timeout:g} s" if isinstance(reason, TimeoutError)
                 else f"cannot connect ({reason})")
    raise TrackingUnavailable(f"MLflow tracking server {masked(uri)}: {cause}; {hint}")


def _check_sqlite(uri: str, path: str, timeout: float, hint: str) -> None:
    """An existing store file must open as a sqlite database; an absent one is created."""
    import sqlite3

    if not os.path.exists(path):
        return
    if not os.path.isfile(path):
        raise TrackingUnavailable(f"MLflow tracking store {uri}: {path} is not a file; {hint}")
    # Read-write (never create): a store left by a killed writer may hold a WAL file that
    # opening it must recover, which a read-only connection cannot do.
    try:
        address = f"file:{urllib.request.pathname2url(path)}?mode=rw"
        connection = sqlite3.connect(address, uri=True, timeout=timeout)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        if "locked" in str(error) or "busy" in str(error):
            return  # in use by another writer, not damaged; MLflow waits for it
        raise TrackingUnavailable(f"MLflow tracking store {uri}: {error} (a damaged or "
                                  f"foreign file); move it aside to start a new store, or "
                                  f"{hint}") from None


class StoreCheck:
    """check_store in a background thread; `result()` waits for it and raises its error."""

    def __init__(self, tracking_uri: str, timeout: float = CHECK_TIMEOUT) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(tracking_uri, timeout),
                                        name="tfpipe-tracking-check", daemon=True)
        self._thread.start()

    def _run(self, tracking_uri: str, timeout: float) -> None:
        try:
            check_store(tracking_uri, timeout)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = error

    def result(self) -> None:
        """Wait for the check (bounded by its timeout) and raise what it found."""
        self._thread.join()
        if self._error is not None:
            raise self._error
