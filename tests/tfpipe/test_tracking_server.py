"""The tracking process left waiting for a workdir's next run: reuse, refusal, expiry, output."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from typing import Any

import pytest
from tfpipe import tracking_process
from tfpipe.config import run_paths
from tfpipe.errors import InputError
from tfpipe.run_sweep import process_started
from tfpipe.tracking import ComponentEvent, RunEnd
from tfpipe.tracking_process import BackgroundTracker
from tfpipe.tracking_server import (KEEPALIVE_ENV, MAX_WAITING, PROCESS_MARK,
                                    keepalive_seconds, process_umask, server_folder,
                                    waiting_processes)

# A POSIX time zone (no tz database needed) nine hours east of UTC.
EAST_NINE = "XST-9"
poll_until: Any = None  # the services fixture's scaled polling, set by the workdir fixture
LONG = 600  # seconds: longer than any test, so a server gone early is the code's doing


def waiting_pids(workdir: str) -> set[int]:
    """Pids of the tracking processes advertised in a workdir."""
    folder = server_folder(workdir)
    names = os.listdir(folder) if os.path.isdir(folder) else []
    return {int(n.split(".")[0]) for n in names if n.endswith(".json")}


def tracking_processes() -> set[int]:
    """Pids of every tfpipe tracking process on this machine, waiting or serving a run."""
    import psutil

    return {p.pid for p in psutil.process_iter(["cmdline"])
            if PROCESS_MARK in " ".join(p.info["cmdline"] or ())}


def alive(pid: int) -> bool:
    return process_started(pid) is not None


@pytest.fixture
def workdir(tmp_path, services):
    """A workdir whose waiting tracking processes are ended after the test."""
    global poll_until
    poll_until = services.wait
    path = str(tmp_path / "w")
    seen: set[int] = set()
    yield path, seen
    for pid in seen | waiting_pids(path):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def tracked_run(workdir: str, keepalive: float, name: str = "ingest") -> BackgroundTracker:
    """One run with one component, recorded through a BackgroundTracker; returns it."""
    tracker = BackgroundTracker(run_paths(workdir, {}), "demo", "forecasting", {"epochs": 1},
                                "/data/series.csv", keepalive=keepalive)
    tracker.start()
    tracker.record_component(ComponentEvent(name=name, cached=True, key="k", reason="cached",
                                            seconds=0.1, directory=workdir))
    tracker.finish(RunEnd(seconds=1.0))
    return tracker


def advertised(workdir: str, seen: set[int]) -> int:
    """The one waiting tracking process of a workdir, once it has advertised itself."""
    poll_until(lambda: len(waiting_pids(workdir)) == 1, "a waiting tracking process")
    (pid,) = waiting_pids(workdir)
    seen.add(pid)
    return pid


def recorded(workdir: str, run_id: str) -> list[str]:
    """The names of a parent run's nested runs in the workdir's store."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    parent = client.get_run(run_id)
    assert parent.info.status == "FINISHED"
    children = client.search_runs([parent.info.experiment_id],
                                  f"tags.mlflow.parentRunId = '{run_id}'")
    return sorted(c.info.run_name for c in children)


def test_the_next_run_is_served_by_the_process_the_last_one_left_waiting(workdir):
    path, seen = workdir
    first = tracked_run(path, LONG)
    assert first._process is not None and first._process.poll() == 0  # the child itself ended
    server = advertised(path, seen)
    second = tracked_run(path, LONG, name="train")
    assert second._process is None, "a child was started though a tracking process waited"
    assert recorded(path, second.run_id) == ["train"]
    assert recorded(path, first.run_id) == ["ingest"]
    assert advertised(path, seen) == server
    # A run that wants no wait is served too, and the server then exits with it.
    third = tracked_run(path, 0, name="push")
    assert third._process is None and recorded(path, third.run_id) == ["push"]
    poll_until(lambda: not alive(server), "the tracking process to exit")
    assert waiting_pids(path) == set()


def test_a_served_run_has_its_own_file_mask(workdir):
    path, seen = workdir
    previous = os.umask(0o022)
    try:
        tracked_run(path, LONG)
        server = advertised(path, seen)
        os.umask(0o077)
        tracked_run(path, LONG, name="train")
        advertised(path, seen)
    finally:
        os.umask(previous)
    # What the server writes for the second run (artifact copies, folders, its log) must not
    # be readable by others when that run's own child could not have made it so.
    assert process_umask(server) == 0o077


def test_a_served_session_takes_on_the_runs_time_zone_and_file_mask(tmp_path):
    script = (
        "import os, time\n"
        "from tfpipe.tracking_server import SessionOptions, apply_session, current_umask\n"
        "os.umask(0o022); os.environ['TZ'] = 'UTC'; time.tzset()\n"
        "apply_session(SessionOptions(workdir='w', keepalive=0, fingerprint='f', cwd=os.getcwd(),"
        f" environ={{**os.environ, 'TZ': '{EAST_NINE}'}}, umask=0o027))\n"
        "print(time.localtime(0).tm_hour, oct(current_umask()))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout.split()
    assert out == ["9", "0o27"]


def test_a_waiting_process_running_other_code_is_left_alone(workdir, monkeypatch):
    path, seen = workdir
    tracked_run(path, LONG)
    server = advertised(path, seen)
    monkeypatch.setattr(tracking_process, "code_fingerprint", lambda: "edited sources")
    other = tracked_run(path, LONG)
    assert other._process is not None  # its own child
    poll_until(lambda: len(waiting_pids(path)) == 2, "the second run's waiting process")
    seen.update(waiting_pids(path))
    assert server in waiting_pids(path) and alive(server)


def test_an_advertisement_of_a_killed_process_is_cleared_and_a_child_started(workdir):
    path, seen = workdir
    tracked_run(path, LONG)
    server = advertised(path, seen)
    os.kill(server, signal.SIGKILL)
    poll_until(lambda: not alive(server), "the killed tracking process to go")
    later = tracked_run(path, LONG)
    assert later._process is not None and recorded(path, later.run_id) == ["ingest"]
    assert advertised(path, seen) != server


def test_an_idle_waiting_process_withdraws_and_exits(workdir):
    path, seen = workdir
    tracked_run(path, 2)
    server = advertised(path, seen)
    poll_until(lambda: not alive(server), "the idle tracking process to exit")
    assert waiting_pids(path) == set()


def test_a_store_deleted_between_runs_receives_the_next_run(workdir):
    path, seen = workdir
    tracked_run(path, LONG)
    advertised(path, seen)
    os.remove(os.path.join(path, "mlflow.db"))
    later = tracked_run(path, LONG, name="train")
    assert later._process is None
    assert recorded(path, later.run_id) == ["train"]  # in the new file, not the deleted one


def test_a_run_returns_with_its_output_while_its_tracking_process_waits(workdir):
    """Callers that read a run's output to its end (CI scripts, orchestrators) are not held."""
    path, seen = workdir
    script = ("from tfpipe.config import run_paths\n"
              "from tfpipe.tracking import RunEnd\n"
              "from tfpipe.tracking_process import BackgroundTracker\n"
              f"tracker = BackgroundTracker(run_paths({path!r}, {{}}), 'demo', 'text', {{}}, "
              f"'data', keepalive={LONG})\n"
              "tracker.start()\n"
              "tracker.finish(RunEnd(seconds=1.0))\n"
              "print(tracker.run_id)\n")
    # Held, this would return only when the server expires, after LONG seconds.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=LONG / 2, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(done.stdout.strip()) == 32
    assert alive(advertised(path, seen))


def test_tfpipe_run_leaves_one_process_that_serves_the_cached_rerun(workdir, tiny_series_csv):
    path, seen = workdir
    command = [os.path.join(os.path.dirname(sys.executable), "tfpipe"), "run", "forecasting",
               "--data", tiny_series_csv, "--workdir", path, "--json", "--quiet",
               "--set", "model=dense", "--set", "epochs=1", "--set", "window_size=4",
               "--set", f"tracking_keepalive_seconds={LONG}",
               "--set", "force_bless=every version is registered"]
    # The third run trains again and pushes version 2: the waiting process registers it in
    # a session whose temporary folder is not the first run's (that one was removed).
    retrain = ["--set", "epochs=2"]
    runs = []
    for extra in ([], [], retrain):
        done = subprocess.run(command + extra, capture_output=True, text=True,
                              timeout=LONG / 2, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        server = advertised(path, seen)
    assert waiting_pids(path) == {server}  # the re-runs started no tracking child of their own
    assert recorded(path, runs[1]["run_id"]) == ["evaluate", "ingest", "push", "train",
                                                 "transform"]
    assert [run["registered_model"]["version"] for run in runs] == [1, 1, 2]


def test_the_keepalive_comes_from_config_else_the_environment(monkeypatch):
    monkeypatch.delenv(KEEPALIVE_ENV, raising=False)
    assert keepalive_seconds(None) == 300
    monkeypatch.setenv(KEEPALIVE_ENV, "0")
    assert keepalive_seconds(None) == 0
    assert keepalive_seconds(45) == 45
    monkeypatch.setenv(KEEPALIVE_ENV, "soon")
    with pytest.raises(InputError, match=f"{KEEPALIVE_ENV}='soon': expected whole seconds"):
        keepalive_seconds(None)


def test_tqdms_monitor_thread_is_ended_so_the_tracking_process_can_fork():
    """MLflow's artifact downloads show tqdm bars, whose monitor thread would block the fork."""
    import threading

    from tqdm.auto import tqdm
    from tfpipe.tracking_server import stop_progress_monitor

    with open(os.devnull, "w") as sink:
        with tqdm(total=1, file=sink) as bar:
            bar.update(1)
        monitors = [t for t in threading.enumerate() if type(t).__name__ == "TMonitor"]
        assert monitors and monitors[0].is_alive()
        stop_progress_monitor()
        assert not monitors[0].is_alive()
        assert not [t for t in threading.enumerate() if type(t).__name__ == "TMonitor"]
        with tqdm(total=1, file=sink) as bar:  # bars still work after it
            bar.update(1)
    stop_progress_monitor()


def test_the_fingerprint_follows_edits_behind_the_packages_folder_links(tmp_path, monkeypatch):
    """tfpipe/components and tfpipe/pipelines are links: an edit there is other code too."""
    import tfpipe
    from tfpipe.tracking_server import code_fingerprint

    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "__init__.py").write_text("")
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "train.py").write_text("EPOCHS = 1\n")
    (tmp_path / "package" / "components").symlink_to(tmp_path / "components")
    monkeypatch.setattr(tfpipe, "__file__", str(tmp_path / "package" / "__init__.py"))
    before = code_fingerprint()
    assert code_fingerprint() == before
    (tmp_path / "components" / "train.py").write_text("EPOCHS = 20\n")
    assert code_fingerprint() != before


def test_one_waiting_process_serves_one_run_at_a_time(workdir):
    """Two runs starting at once: one claims the waiting process, the other starts a child."""
    from tfpipe.tracking_server import claim_server, code_fingerprint

    path, seen = workdir
    tracked_run(path, LONG)
    server = advertised(path, seen)
    first = claim_server(path, code_fingerprint())
    assert first is not None and claim_server(path, code_fingerprint()) is None
    first.close()  # a claimant that leaves without a run: the process exits, nothing hangs
    poll_until(lambda: not alive(server), "the abandoned tracking process to exit")


def test_a_run_whose_store_fails_is_told_as_by_a_child_and_the_process_ends(workdir):
    from tfpipe.tracking_process import TrackingFailed

    path, seen = workdir
    tracked_run(path, LONG)
    server = advertised(path, seen)
    paths = run_paths(path, {"mlflow_tracking_uri": "nosuchscheme://nowhere"})
    broken = BackgroundTracker(paths, "demo", "text", {}, "data", keepalive=LONG)
    broken.start()
    assert broken._process is None  # served by the waiting process
    with pytest.raises(TrackingFailed, match="MLflow tracking at nosuchscheme://nowhere failed"):
        broken.confirm(wait=True)
    poll_until(lambda: not alive(server), "the failed session's tracking process to exit")
    assert waiting_pids(path) == set()
    later = tracked_run(path, LONG, name="train")  # the next run starts a child of its own
    assert later._process is not None and recorded(path, later.run_id) == ["train"]


def test_a_user_keeps_at_most_max_waiting_processes_across_workdirs(workdir):
    path, seen = workdir
    existing = tracking_processes()
    already = len(waiting_processes())
    folders = [f"{path}-{index}" for index in range(max(MAX_WAITING - already, 0) + 1)]
    try:
        for folder in folders[:-1]:
            tracked_run(folder, LONG)
            advertised(folder, seen)
        assert len(waiting_processes()) >= MAX_WAITING
        before = tracking_processes()
        last = tracked_run(folders[-1], LONG)
        assert last._process is not None and last._process.poll() == 0
        # The child has exited, so a copy it forked to wait would already be there.
        assert tracking_processes() - before == set(), "a waiting process beyond the cap"
        assert recorded(folders[-1], last.run_id) == ["ingest"]
    finally:
        seen |= tracking_processes() - existing  # ended by the fixture


def test_a_connection_that_never_answers_does_not_hold_the_waiting_process(workdir):
    path, seen = workdir
    tracked_run(path, LONG)
    server = advertised(path, seen)
    with open(os.path.join(server_folder(path), f"{server}.json"), encoding="utf-8") as handle:
        address = tuple(json.load(handle)["address"])
    # Connected, then silent: not claimants. Together they outlast the claimant's deadline.
    with contextlib.ExitStack() as silent:
        for _ in range(3):
            silent.enter_context(socket.create_connection(address))
        second = tracked_run(path, LONG, name="train")
    assert second._process is None, "the run was not served by the waiting process"
    assert recorded(path, second.run_id) == ["train"]
