"""Helpers shared by the benchmark scripts: timed commands with peak memory, and the
skeleton every script's main follows (run the pipeline cold and cached, compare, print JSON)."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import psutil

BIN = os.path.dirname(sys.executable)
# Runs that leave no tracking process waiting: timed cold runs in throwaway workdirs.
NO_WAIT = {"TFPIPE_TRACKING_KEEPALIVE_SECONDS": "0"}
# The shared data folder sits beside the repository unless TFPIPE_SHARED_DATA names it.
SHARED_DATA = os.environ.get("TFPIPE_SHARED_DATA") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


def timed(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command; wall seconds, peak RSS of its process tree (sampled), stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **(env or {})})
    peak = [0]
    sampler = threading.Thread(target=sample_peak_rss, args=(process, peak), daemon=True)
    sampler.start()
    # Timed by the command's own end, not by the sampler's 0.2 s ticks.
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({process.returncode}): {stderr[-2000:]}")
    return {"seconds": seconds, "peak_rss_bytes": peak[0], "stdout": stdout}


def waiting_trackers(workdir: str) -> list[int]:
    """Pids of the tracking processes waiting for the workdir's next run."""
    folder = os.path.join(workdir, "tracking-server")
    names = os.listdir(folder) if os.path.isdir(folder) else []
    return [int(name.split(".")[0]) for name in names if name.endswith(".json")]


def end_waiting_trackers(workdir: str) -> None:
    """End the workdir's waiting tracking processes (as the README's `kill <pid>`)."""
    for pid in waiting_trackers(workdir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def sample_peak_rss(process: subprocess.Popen, peak: list[int]) -> None:
    """Until `process` ends: peak[0] = the largest RSS sum of its process tree seen."""
    try:
        watched = psutil.Process(process.pid)
    except psutil.Error:
        return  # ended before the first sample
    while process.poll() is None:
        try:
            tree = [watched] + watched.children(recursive=True)
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            continue  # a child exited between listing and sampling; sample again
        time.sleep(0.2)


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


@dataclass
class PipelineRuns:
    """One benchmark's pipeline: a cold run and an identical re-run (cached) in one workdir."""

    task: str
    data: str
    workdir: str
    settings: list[str]
    cold: dict[str, Any]
    cached: dict[str, Any]

    @property
    def result(self) -> dict[str, Any]:
        """The cold run's --json summary."""
        return last_json_line(self.cold["stdout"])

    def command(self, workdir: str) -> list[str]:
        """`tfpipe run` of this benchmark into a workdir."""
        return [os.path.join(BIN, "tfpipe"), "run", self.task, "--data", self.data,
                "--workdir", workdir, "--json", "--quiet",
                *sum((["--set", s] for s in self.settings), [])]

    def config(self) -> dict[str, Any]:
        """The resolved config the pipeline ran with."""
        from tfpipe.local_run import prepare_config

        return prepare_config(self.task, None, self.settings)

    def artifact_dir(self, component: str) -> str:
        """The folder of the (single) run of one component."""
        root = os.path.join(self.workdir, "artifacts", self.task, component)
        return os.path.join(root, next(d for d in os.listdir(root) if not d.startswith(".")))

    def artifact(self, component: str) -> dict[str, Any]:
        """The artifact.json of the (single) run of one component."""
        with open(os.path.join(self.artifact_dir(component), "artifact.json"),
                  encoding="utf-8") as handle:
            return json.load(handle)


def main(benchmark: str, task: str, data: str, settings: list[str], doc: str | None,
         compare: Callable[[PipelineRuns, argparse.Namespace], dict[str, Any]],
         goals: dict[str, float],
         add_arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """A benchmark script's main: parse --workdir and --set (plus add_arguments), check that
    data (a path under the shared data folder) exists, run the pipeline cold and cached,
    then print one JSON document: the common figures updated with what compare returns."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config for both the pipeline and the plain script")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args()
    path = os.path.join(SHARED_DATA, data)
    if not os.path.exists(path):
        sys.exit(f"{data} not found at {path}: the shared data folder must sit beside the "
                 "repository")
    workdir = args.workdir or tempfile.mkdtemp(prefix=f"tfpipe-bench-{task}-")
    runs = PipelineRuns(task, path, workdir, settings + args.sets, {}, {})
    runs.cold = timed(runs.command(workdir))
    # A user keeps at most 4 waiting tracking processes: one may not have stayed for this run.
    waiting = bool(waiting_trackers(workdir))
    runs.cached = timed(runs.command(workdir))  # served by the tracking process left waiting
    # Without a waiting tracking process: the first of these ends the waiting one, the second
    # starts its own child, as a re-run after the keepalive (or with it set to 0) does.
    timed(runs.command(workdir), env=NO_WAIT)
    cached_fresh = timed(runs.command(workdir), env=NO_WAIT)
    result = runs.result
    report = {
        "benchmark": benchmark,
        "settings": runs.settings,
        "machine": machine(),
        "seconds_per_component": {k: v for k, v in result["seconds"].items() if k != "total"},
        "pipeline_total_seconds": round(runs.cold["seconds"], 2),
        "cached_rerun_seconds": round(runs.cached["seconds"], 2),
        "cached_rerun_served_by_waiting_tracking_process": waiting,
        "cached_rerun_seconds_fresh_tracking_process": round(cached_fresh["seconds"], 2),
        "peak_memory_mb": round(runs.cold["peak_rss_bytes"] / 2**20, 1),
        **compare(runs, args),
        "blessed": result["blessed"],
        "pushed_version": result["pushed_version"],
        "help_seconds": round(help_seconds(), 3),
        "goals": goals,
    }
    print(json.dumps(report, indent=2))
