"""Benchmark: how ingest, transform and train cost grow with the data, per Beam runner.

Scales the shared forecasting and text data by seeded generation (never committed: written
under the workdir), runs `tfpipe run` cold at each scale and runner, then once more with
nothing changed, and compares with the physical limit: reading and parsing the same bytes in
a plain Python loop and with pyarrow's CSV reader. Prints one JSON document.

    .venv/bin/python benchmarks/cost_curve.py [--scales 1,10,100] [--runners direct,multi,portable]
        [--tasks forecasting,text] [--workdir DIR] [--cached-repeats N]

Runners: `direct` (Beam's in-process engine), `multi` (`--direct_running_mode=
multi_processing`, 2 workers), `portable` (`PortableRunner` against Beam's own job service
with an external worker pool bound to 127.0.0.1, as tests/portable runs it).

Peak memory is the sum of RSS over the whole process tree (the tfpipe process, its MLflow
child, Beam's worker processes and, for `portable`, the job service and the worker pool with
its SDK workers), sampled every 0.2 s; it is also attributed to the component running at the
time (a component is done when its artifact folder is renamed into place).

The cached re-run proves it did not read the data: before it, every data file's access time
is set two days before its modification time (so under `relatime` the next read() updates
it); afterwards the access times are compared, and the raw-data digest memo
(`artifacts/.data-digests.json`) must not have been rewritten.

Train runs one epoch, so its figure is the cost of one pass over the data.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import psutil

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from common import last_json_line  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RUNNER_ARGS = {"direct": [],
               "multi": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]}
SETTINGS = {
    "forecasting": ["time_column=Month", "value_column=Monthly Mean Total Sunspot Number",
                    "epochs=1", "ensemble_size=1"],
    "text": ["format=tsv", "header=false", "text_column=0", "label_column=1", "epochs=1"],
}
COMPONENTS = ("ingest", "transform", "train", "evaluate", "push")
DIGEST_MEMO = os.path.join("artifacts", ".data-digests.json")
SERVICE_DEADLINE_SECONDS = 300
TWO_DAYS_NS = 2 * 86400 * 10**9


def scaled_sunspots(source: str, scale: int, target: str) -> int:
    """The series repeated `scale` times with seeded noise, timed by month number; rows written."""
    rng = random.Random(scale)
    with open(source, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    value_column = "Monthly Mean Total Sunspot Number"
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Month", value_column])
        month = 0
        for _ in range(scale):
            for row in rows:
                value = max(0.0, float(row[value_column]) + rng.gauss(0.0, 1.0))
                writer.writerow([month, f"{value:.1f}"])
                month += 1
    return month


def scaled_sentences(source_folder: str, scale: int, target_folder: str) -> int:
    """The labelled sentences repeated `scale` times, each copy's words shuffled a little."""
    rng = random.Random(scale)
    rows = []
    for name in sorted(os.listdir(source_folder)):
        if name.endswith("_labelled.txt"):
            with open(os.path.join(source_folder, name), encoding="utf-8") as handle:
                rows += [line.rsplit("\t", 1) for line in handle.read().split("\n")
                         if "\t" in line]
    os.makedirs(target_folder, exist_ok=True)
    written = 0
    for copy in range(scale):
        with open(os.path.join(target_folder, f"part-{copy:04d}.txt"), "w",
                  encoding="utf-8") as handle:
            for text, label in rows:
                words = text.split()
                if copy and len(words) > 3:
                    i = rng.randrange(len(words) - 1)
                    words[i], words[i + 1] = words[i + 1], words[i]
                handle.write(f"{' '.join(words)}\t{label.strip()}\n")
                written += 1
    return written


def data_files(path: str) -> list[str]:
    """The input's files: the file itself or every file in the folder."""
    if os.path.isfile(path):
        return [path]
    return sorted(os.path.join(path, name) for name in os.listdir(path))


def python_parse_seconds(path: str) -> float:
    """The physical limit: read every byte and split every row in a plain Python loop."""
    started = time.perf_counter()
    count = 0
    for name in data_files(path):
        with open(name, encoding="utf-8") as handle:
            for line in handle:
                count += len(line.rstrip("\n").split("\t" if name.endswith(".txt") else ","))
    return time.perf_counter() - started


def pyarrow_parse_seconds(path: str) -> float:
    """The same bytes through pyarrow's multi-threaded CSV reader into Arrow columns."""
    from pyarrow import csv as arrow_csv

    started = time.perf_counter()
    for name in data_files(path):
        if name.endswith(".txt"):  # tab-separated sentence and label; quotes are text
            arrow_csv.read_csv(name, read_options=arrow_csv.ReadOptions(
                column_names=["text", "label"]), parse_options=arrow_csv.ParseOptions(
                delimiter="\t", quote_char=False))
        else:
            arrow_csv.read_csv(name)
    return time.perf_counter() - started


def make_data(task: str, scale: int, folder: str) -> tuple[str, int]:
    """Scaled input for a task; (path, rows)."""
    os.makedirs(folder, exist_ok=True)
    if task == "forecasting":
        path = os.path.join(folder, f"sunspots-x{scale}.csv")
        rows = scaled_sunspots(os.path.join(common.SHARED_DATA, "forecasting", "Sunspots.csv"),
                               scale, path)
    else:
        path = os.path.join(folder, f"sentiment-x{scale}")
        rows = scaled_sentences(os.path.join(common.SHARED_DATA, "text", "sentiment"), scale,
                                path)
    return path, rows


def _start_service(command: list[str], port_file: str, log: str) -> subprocess.Popen:
    """Start a Beam service and poll (generously) until it has written its port."""
    env = {**os.environ, "PATH": common.BIN + os.pathsep + os.environ.get("PATH", "")}
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    deadline = time.monotonic() + SERVICE_DEADLINE_SECONDS
    while not os.path.exists(port_file):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            with open(log, encoding="utf-8") as handle:
                raise RuntimeError(f"{command[2]} did not start: {handle.read()[-2000:]}")
        time.sleep(0.2)
    return process


@contextlib.contextmanager
def portable_services(folder: str) -> Iterator[tuple[list[str], list[int]]]:
    """Beam's job service and a loopback worker pool: (pipeline options, their pids)."""
    os.makedirs(folder, exist_ok=True)
    python = os.path.join(common.BIN, "python")
    pool = _start_service([python, os.path.join(REPO, "tests", "portable",
                                                "loopback_worker_pool.py"),
                           os.path.join(folder, "pool.port")],
                          os.path.join(folder, "pool.port"), os.path.join(folder, "pool.log"))
    jobs = _start_service([python, "-m", "apache_beam.runners.portability.local_job_service_main",
                           "--port", "0", "--port_file", os.path.join(folder, "jobs.port")],
                          os.path.join(folder, "jobs.port"), os.path.join(folder, "jobs.log"))
    ports = {}
    for name in ("pool", "jobs"):
        with open(os.path.join(folder, f"{name}.port"), encoding="utf-8") as handle:
            ports[name] = handle.read().strip()
    try:
        yield (["--runner=PortableRunner", f"--job_endpoint=localhost:{ports['jobs']}",
                "--environment_type=EXTERNAL", f"--environment_config=127.0.0.1:{ports['pool']}"],
               [pool.pid, jobs.pid])
    finally:
        for process in (jobs, pool):
            process.kill()
            process.wait(timeout=60)


def _tree_rss(pids: list[int]) -> int:
    """Summed RSS of these processes and all their descendants."""
    total = 0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            tree = [root] + root.children(recursive=True)
        except psutil.Error:
            continue
        for process in tree:
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
    return total


def _running_component(workdir: str, task: str) -> str:
    """The first component of the pipeline whose artifact is not yet in place."""
    for name in COMPONENTS:
        folder = os.path.join(workdir, "artifacts", task, name)
        if not (os.path.isdir(folder)
                and any(not d.startswith(".") for d in os.listdir(folder))):
            return name
    return "after push"


def run_sampled(command: list[str], workdir: str, task: str,
                also: list[int]) -> dict[str, Any]:
    """Run a command; wall seconds, stdout, peak RSS of its tree (plus `also`'s trees), and
    the peak per running component."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    per_component: dict[str, int] = {}

    def sample() -> None:
        while process.poll() is None:
            rss = _tree_rss([process.pid, *also])
            phase = _running_component(workdir, task)
            per_component[phase] = max(per_component.get(phase, 0), rss)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()  # timed by the command's end, not by 0.2 s ticks
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({process.returncode}): {stderr[-3000:]}")
    return {"seconds": seconds, "stdout": stdout,
            "peak_rss_bytes": max(per_component.values(), default=0),
            "peak_rss_bytes_by_component": per_component}


def age_access_times(files: list[str]) -> dict[str, int]:
    """Set each file's atime two days before its mtime (mtime, size, inode kept); new atimes."""
    aged = {}
    for name in files:
        status = os.stat(name)
        os.utime(name, ns=(status.st_mtime_ns - TWO_DAYS_NS, status.st_mtime_ns))
        aged[name] = os.stat(name).st_atime_ns
    return aged


def measure(task: str, data: str, rows: int, runner: str, beam_args: list[str],
            service_pids: list[int], workdir: str, cached_repeats: int = 1) -> dict[str, Any]:
    """A cold run and re-runs with nothing changed (the median reported), in one workdir."""
    command = [os.path.join(common.BIN, "tfpipe"), "run", task, "--data", data,
               "--workdir", workdir, "--json", "--quiet"]
    for item in SETTINGS[task]:
        command += ["--set", item]
    command += ["--", *beam_args] if beam_args else []
    cold = run_sampled(command, workdir, task, service_pids)
    memo = os.path.join(workdir, DIGEST_MEMO)
    memo_before = os.stat(memo).st_mtime_ns if os.path.exists(memo) else None
    aged = age_access_times(data_files(data))
    reruns = [run_sampled(command, workdir, task, service_pids)
              for _ in range(max(1, cached_repeats))]
    common.end_waiting_trackers(workdir)  # else later scales could find the user's 4 waiting
    cached = sorted(reruns, key=lambda r: r["seconds"])[len(reruns) // 2]  # the median
    read_again = sorted(os.path.basename(n) for n, atime in aged.items()
                        if os.stat(n).st_atime_ns != atime)
    memo_after = os.stat(memo).st_mtime_ns if os.path.exists(memo) else None
    seconds = last_json_line(cold["stdout"])["seconds"]
    cached_summary = last_json_line(cached["stdout"])
    return {
        "rows": rows,
        "seconds": {k: seconds[k] for k in (*COMPONENTS, "total") if k in seconds},
        "wall_seconds": round(cold["seconds"], 3),
        "rows_per_second": {k: round(rows / max(seconds[k], 1e-9), 1)
                            for k in ("ingest", "transform", "train")},
        "peak_rss_bytes": cold["peak_rss_bytes"],
        "peak_rss_bytes_by_component": cold["peak_rss_bytes_by_component"],
        "cached_rerun": {
            "wall_seconds": round(cached["seconds"], 3),
            "wall_seconds_each": [round(r["seconds"], 3) for r in reruns],
            "pipeline_seconds": cached_summary["seconds"]["total"],
            "served_from_cache": cached_summary["cached"],
            "ran": cached_summary["ran"],
            "every_rerun_fully_cached": all(not last_json_line(r["stdout"])["ran"]
                                            for r in reruns),
            "data_files_read": read_again,
            "data_files_checked": len(aged),
            "digest_memo_rewritten": memo_before != memo_after,
            "peak_rss_bytes": cached["peak_rss_bytes"],
        },
    }


def main() -> None:
    """Run every task x scale x runner and print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--runners", default="direct,multi,portable")
    parser.add_argument("--tasks", default="forecasting,text")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--cached-repeats", type=int, default=1,
                        help="re-runs with nothing changed after each cold run (median kept)")
    args = parser.parse_args()
    root = args.workdir or tempfile.mkdtemp(prefix="tfpipe-cost-")
    runners = args.runners.split(",")
    results: dict[str, Any] = {"machine": common.machine(), "load_average_start":
                               os.getloadavg(), "curves": {}}
    with contextlib.ExitStack() as stack:
        portable: tuple[list[str], list[int]] = ([], [])
        if "portable" in runners:
            portable = stack.enter_context(portable_services(os.path.join(root, "services")))
        for task in args.tasks.split(","):
            for scale in (int(s) for s in args.scales.split(",")):
                data, rows = make_data(task, scale, os.path.join(root, "data"))
                entry: dict[str, Any] = {
                    "data_bytes": sum(os.path.getsize(n) for n in data_files(data)),
                    "python_parse_seconds": round(python_parse_seconds(data), 3),
                    "pyarrow_parse_seconds": round(pyarrow_parse_seconds(data), 3)}
                for runner in runners:
                    beam_args, pids = portable if runner == "portable" else \
                        (RUNNER_ARGS[runner], [])
                    entry[runner] = measure(task, data, rows, runner, beam_args, pids,
                                            os.path.join(root, f"{task}-x{scale}-{runner}"),
                                            args.cached_repeats)
                    entry[runner]["load_average_after"] = os.getloadavg()
                    print(json.dumps({task: {f"x{scale}": {runner: entry[runner]}}}),
                          file=sys.stderr, flush=True)
                results["curves"].setdefault(task, {})[f"x{scale}"] = entry
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
