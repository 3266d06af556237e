"""Helpers shared by the benchmark scripts: timed commands with peak memory."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any

import psutil

BIN = os.path.dirname(sys.executable)
SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                           "data"))


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command; wall seconds, peak RSS of its process tree (sampled), stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **(env or {})})
    peak = 0
    watched = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            tree = [watched] + watched.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            continue  # a child exited between listing and sampling; sample again
        time.sleep(0.2)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({process.returncode}): {stderr[-2000:]}")
    return {"seconds": seconds, "peak_rss_bytes": peak, "stdout": stdout}


def last_json_line(stdout: str) -> dict[str, Any]:
    """The --json summary line."""
    return json.loads(stdout.strip().splitlines()[-1])


def help_seconds(repeats: int = 5) -> float:
    """Median wall time of `tfpipe --help`."""
    runs = [timed([os.path.join(BIN, "tfpipe"), "--help"])["seconds"] for _ in range(repeats)]
    return statistics.median(runs)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d")}
