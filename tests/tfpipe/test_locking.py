"""The per-pipeline workdir lock: exclusive, per pipeline, gone with its process."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from tfpipe.errors import InputError
from tfpipe.locking import PipelineBusy, lock_path, pipeline_lock


def test_second_holder_fails_fast_without_wait(tmp_path):
    workdir = str(tmp_path)
    with pipeline_lock(workdir, "forecasting", quiet=True):
        with pytest.raises(PipelineBusy, match=f"being run by process {os.getpid()}"):
            with pipeline_lock(workdir, "forecasting", wait=False):
                pass
    with pipeline_lock(workdir, "forecasting", wait=False):  # released on exit
        pass


def test_different_pipelines_run_side_by_side(tmp_path):
    with pipeline_lock(str(tmp_path), "forecasting", wait=False):
        with pipeline_lock(str(tmp_path), "text", wait=False):
            pass


def test_waiter_says_so_and_gets_the_lock_when_released(tmp_path, capsys):
    workdir = str(tmp_path)
    got = threading.Event()
    with pipeline_lock(workdir, "p", quiet=True):
        waiter = threading.Thread(target=lambda: _take(workdir, got))
        waiter.start()
        deadline = time.monotonic() + 60
        while "waiting for process" not in capsys.readouterr().err:
            assert time.monotonic() < deadline and not got.is_set()
            time.sleep(0.05)
        assert not got.is_set()
    waiter.join(timeout=60)
    assert got.is_set()


def _take(workdir: str, got: threading.Event) -> None:
    with pipeline_lock(workdir, "p"):
        got.set()


def test_lock_of_a_killed_process_does_not_block(tmp_path):
    code = ("import sys, time; from tfpipe.locking import pipeline_lock\n"
            "with pipeline_lock(sys.argv[1], 'p'):\n"
            "    print('held', flush=True); time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PipelineBusy, match=f"process {holder.pid}"):
            with pipeline_lock(str(tmp_path), "p", wait=False):
                pass
    finally:
        holder.kill()
        holder.wait()
    assert os.path.exists(lock_path(str(tmp_path), "p"))  # the file stays, the lock does not
    with pipeline_lock(str(tmp_path), "p", wait=False):
        pass


def test_lock_path_stays_under_the_workdir(tmp_path):
    with pytest.raises(InputError, match="outside"):
        lock_path(str(tmp_path / "w"), "../../x")
