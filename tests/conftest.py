"""Shared fixtures: tiny series made here, the shared data folder when present."""
from __future__ import annotations

import ast
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Caches shared by the session's hundreds of workdirs (matplotlib's font list; the MLflow store
# template, used only with an MLflow other than the pinned one; tfpipe/user_caches.py) go to a
# folder of this test session, as do those of
# libraries called outside a run, not the user's ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tfpipe-test-cache-")
os.environ["TFPIPE_CACHE_DIR"] = os.path.join(os.environ["XDG_CACHE_HOME"], "tfpipe")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)
# What libraries leave in the temporary folder when tests call them outside a run (Beam's
# folders of pipelines built but never run, tf.Transform's asset folders) goes to this session's
# own, removed at exit; a `tfpipe run` keeps its own under its workdir (tests/tfpipe/test_run_tmp.py).
os.environ["TMPDIR"] = tempfile.mkdtemp(prefix="tfpipe-test-tmp-")
os.chmod(os.environ["TMPDIR"], 0o755)  # servers run as another user (PostgreSQL) reach their folders
tempfile.tempdir = None
atexit.register(shutil.rmtree, os.environ["TMPDIR"], ignore_errors=True)
# Runs' tracking processes exit with them (hundreds of test workdirs would otherwise each keep
# one waiting); tests/tfpipe/test_tracking_server.py turns the wait on where it checks it.
os.environ.setdefault("TFPIPE_TRACKING_KEEPALIVE_SECONDS", "0")

SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                           "data"))


def write_csv(path: str, header: str, rows: list[str]) -> str:
    """Write a small CSV and return its path."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(header + "\n" + "\n".join(rows) + "\n")
    return path


def write_sine_series(folder: str) -> str:
    """`folder`/series.csv, a 240-step noisy sine: learnable, so a model beats the naive
    baseline quickly."""
    steps = np.arange(240)
    values = 50 + 20 * np.sin(2 * np.pi * steps / 12) + np.random.default_rng(0).normal(0, 1, 240)
    return write_csv(os.path.join(folder, "series.csv"), "time,value",
                     [f"{t},{v:.4f}" for t, v in zip(steps, values)])


@pytest.fixture
def tiny_series_csv(tmp_path) -> str:
    """A 240-step noisy sine (write_sine_series) in this test's folder."""
    return write_sine_series(str(tmp_path))


# Strings every text serving signature must answer with finite outputs.
EDGE_TEXTS = ("", "   \t\n  ", "word " * 5000, "naïve café 日本語 🙂 Ünïcödé",
              "\x00\x01 control \u200b zero-width")


@pytest.fixture
def edge_texts() -> list[str]:
    """Empty, whitespace-only, very long, non-ASCII and control-character sentences."""
    return list(EDGE_TEXTS)


@pytest.fixture
def shared_data() -> str:
    """../shared/data, or skip when this checkout has no shared data beside it."""
    if not os.path.isdir(SHARED_DATA):
        pytest.skip(f"shared datasets not found at {SHARED_DATA} (they live beside the repo)")
    return SHARED_DATA


@pytest.fixture
def fresh_python(tmp_path) -> Callable[..., subprocess.CompletedProcess]:
    """Run a script in a new interpreter, as `tfpipe run` starts: this test process has
    threads and modules (TensorFlow) that change what forks. `modules` go beside it."""

    def run(script: str, modules: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        for name, text in (modules or {}).items():
            (tmp_path / f"{name}.py").write_text(text)
        path = tmp_path / "case.py"
        path.write_text(f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n" + script)
        return subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                              timeout=timeout, check=False)

    return run


@pytest.fixture
def modules_loaded_after() -> Callable[[str, tuple[str, ...]], list[str]]:
    """Which of `names` a fresh interpreter has imported after running `code`."""

    def check(code: str, names: tuple[str, ...]) -> list[str]:
        probe = f"{code}\nimport sys\nprint([m for m in {names!r} if m in sys.modules])"
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             check=True)
        return ast.literal_eval(out.stdout.strip().splitlines()[-1])

    return check


# Services started by tests (mlflow server, model servers) get this long to become ready,
# stretched on a loaded machine: a 2-core CI box shared with other jobs needed over 30 s
# for `mlflow server` to answer.
SERVICE_DEADLINE = 300.0


def deadline_seconds(base: float = SERVICE_DEADLINE) -> float:
    """`base` times the load per core (when above 1) times $TFPIPE_TEST_TIME_SCALE."""
    load = os.getloadavg()[0] / (os.cpu_count() or 1) if hasattr(os, "getloadavg") else 1.0
    return base * max(1.0, load) * float(os.environ.get("TFPIPE_TEST_TIME_SCALE", "1"))


def poll_until(check: Callable[[], bool], what: str, base: float = SERVICE_DEADLINE,
               process: subprocess.Popen | None = None, interval: float = 0.25) -> None:
    """Call `check` until it returns True; fail naming `what` after the scaled deadline, or
    at once when `process` (the service) has exited."""
    deadline = time.monotonic() + deadline_seconds(base)
    while not check():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the process exited with code {process.returncode}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not ready within {deadline_seconds(base):.0f} s")
        time.sleep(interval)


def stop_service(process: subprocess.Popen) -> None:
    """Terminate a service and wait for it (kill it if it does not end in time)."""
    process.terminate()
    try:
        process.wait(timeout=deadline_seconds(60))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_ui(workdir: str, *extra: str) -> tuple[subprocess.Popen, str, int]:
    """`tfpipe ui` as a user starts it: its process, the URL it printed and its port."""
    port = free_port()
    tfpipe = os.path.join(os.path.dirname(sys.executable), "tfpipe")
    process = subprocess.Popen([tfpipe, "ui", "--workdir", workdir, "--port", str(port),
                                *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()  # printed once MLflow answers (tfpipe ui polls minutes)
    if not line.startswith("http"):
        process.wait(timeout=deadline_seconds(60))
        pytest.fail(f"tfpipe ui printed no URL: {line!r} {process.stderr.read()[-3000:]}")
    return process, line.strip(), port


def stop_ui(process: subprocess.Popen) -> None:
    """Ctrl-C for `tfpipe ui`, as a user stops it; waits for it to end."""
    import signal

    process.send_signal(signal.SIGINT)
    process.wait(timeout=deadline_seconds(120))


class Services:
    """Ports, readiness waits and shutdown for tests that start a server."""

    wait = staticmethod(poll_until)
    stop = staticmethod(stop_service)
    free_port = staticmethod(free_port)
    start_ui = staticmethod(start_ui)
    stop_ui = staticmethod(stop_ui)
    sine_series = staticmethod(write_sine_series)  # for module-scoped fixtures' runs


@pytest.fixture(scope="session")
def services() -> Services:
    """Ports, polling, `tfpipe ui` and shutdown, for tests that start a server."""
    return Services()


@pytest.fixture
def mlflow_store(monkeypatch) -> Callable[[str], None]:
    """Point MLflow's `models:/` URIs at one store for this test only (env var and the
    process-wide URIs both restored afterwards, so later runs keep their own stores)."""

    def use(uri: str) -> None:
        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        monkeypatch.setattr(tracking_utils, "_tracking_uri", None)
        monkeypatch.setattr(registry_utils, "_registry_uri", None)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
        monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)

    return use
