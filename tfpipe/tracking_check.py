"""A quick look at the MLflow tracking store before any component runs, in a thread.

MLflow itself retries an unreachable server for minutes (MLFLOW_HTTP_REQUEST_MAX_RETRIES,
7 with backoff, each try up to MLFLOW_HTTP_REQUEST_TIMEOUT) and the tracking process only
opens the store once the first component has finished; this check needs neither MLflow
nor more than one try, so a dead server or a corrupt sqlite file stops the run in seconds.
Only what can be told cheaply is checked: that an http(s) server answers at all, and that
an existing sqlite file is a database. Other stores are left to MLflow.
"""
from __future__ import annotations

import os
import ssl
import threading
import urllib.error
import urllib.request

from tfpipe.errors import TfpipeError
from tfpipe.mlflow_store import sqlite_path

CHECK_TIMEOUT = 10.0  # seconds; at most MLFLOW_HTTP_REQUEST_TIMEOUT when that is lower
HINT = ("set MLFLOW_TRACKING_URI (or --set mlflow_tracking_uri=...) to a store that works, "
        "or pass --no-tracking")


class TrackingUnavailable(TfpipeError):
    """The tracking store cannot be used: names the URI, the cause and what to do."""


def check_store(tracking_uri: str, timeout: float = CHECK_TIMEOUT) -> None:
    """Raise TrackingUnavailable when the store is plainly unusable; otherwise return."""
    if tracking_uri.startswith(("http://", "https://")):
        _check_server(tracking_uri, timeout)
    elif sqlite_path(tracking_uri) is not None:
        _check_sqlite(tracking_uri, sqlite_path(tracking_uri) or "", timeout)


def _check_server(uri: str, timeout: float) -> None:
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
    raise TrackingUnavailable(f"MLflow tracking server {uri}: {cause}; {HINT}")


def _check_sqlite(uri: str, path: str, timeout: float) -> None:
    """An existing store file must open as a sqlite database; an absent one is created."""
    import sqlite3

    if not os.path.exists(path):
        return
    if not os.path.isfile(path):
        raise TrackingUnavailable(f"MLflow tracking store {uri}: {path} is not a file; {HINT}")
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
                                  f"{HINT}") from None


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
