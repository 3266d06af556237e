"""Benchmark: how ingest, transform and train cost grow with the data, per Beam runner.

Scales the shared forecasting and text data by seeded generation (never committed: written
under the workdir), runs `tfpipe run` cold at each scale and runner, then once more with
nothing changed, and compares with the physical limit: reading and parsing the same bytes in
a plain Python loop. Prints one JSON document.

    .venv/bin/python benchmarks/cost_curve.py [--scales 1,10,100] [--runners direct,multi]
        [--tasks forecasting,text] [--workdir DIR]

Train runs one epoch, so its figure is the cost of one pass over the data.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from common import last_json_line, timed  # noqa: E402

RUNNER_ARGS = {"direct": [],
               "multi": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]}
SETTINGS = {
    "forecasting": ["time_column=Month", "value_column=Monthly Mean Total Sunspot Number",
                    "epochs=1", "ensemble_size=1"],
    "text": ["format=tsv", "header=false", "text_column=0", "label_column=1", "epochs=1"],
}


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


def python_parse_seconds(path: str) -> float:
    """The physical limit: read every byte and split every row in a plain Python loop."""
    started = time.perf_counter()
    files = [path] if os.path.isfile(path) else [os.path.join(path, n) for n in os.listdir(path)]
    count = 0
    for name in files:
        with open(name, encoding="utf-8") as handle:
            for line in handle:
                count += len(line.rstrip("\n").split("\t" if name.endswith(".txt") else ","))
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


def measure(task: str, data: str, rows: int, runner: str, workdir: str) -> dict:
    """A cold run and a re-run with nothing changed, in one workdir."""
    command = [os.path.join(common.BIN, "tfpipe"), "run", task, "--data", data,
               "--workdir", workdir, "--json"]
    for item in SETTINGS[task]:
        command += ["--set", item]
    command += ["--", *RUNNER_ARGS[runner]] if RUNNER_ARGS[runner] else []
    cold = timed(command)
    cached = timed(command)
    seconds = last_json_line(cold["stdout"])["seconds"]
    return {
        "rows": rows,
        "seconds": {k: seconds[k] for k in ("ingest", "transform", "train", "total")},
        "rows_per_second": {k: round(rows / max(seconds[k], 1e-9), 1)
                            for k in ("ingest", "transform")},
        "peak_rss_bytes": cold["peak_rss_bytes"],
        "cached_rerun_seconds": round(cached["seconds"], 3),
        "cached_rerun_served": last_json_line(cached["stdout"])["cached"],
    }


def main() -> None:
    """Run every task x scale x runner and print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--runners", default="direct,multi")
    parser.add_argument("--tasks", default="forecasting,text")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    root = args.workdir or tempfile.mkdtemp(prefix="tfpipe-cost-")
    results: dict = {"machine": common.machine(), "curves": {}}
    for task in args.tasks.split(","):
        for scale in (int(s) for s in args.scales.split(",")):
            data, rows = make_data(task, scale, os.path.join(root, "data"))
            entry = {"python_parse_seconds": round(python_parse_seconds(data), 3)}
            for runner in args.runners.split(","):
                entry[runner] = measure(task, data, rows, runner,
                                        os.path.join(root, f"{task}-x{scale}-{runner}"))
            results["curves"].setdefault(task, {})[f"x{scale}"] = entry
            print(json.dumps({task: {f"x{scale}": entry}}), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
