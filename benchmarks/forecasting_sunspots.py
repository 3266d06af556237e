"""Benchmark: the forecasting pipeline on Sunspots against a plain Keras script. Prints JSON.

    .venv/bin/python benchmarks/forecasting_sunspots.py [--workdir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import BIN, SHARED_DATA, help_seconds, last_json_line, machine, timed  # noqa: E402

SETTINGS = ["time_column=Date", "value_column=Monthly Mean Total Sunspot Number",
            "split_index=3000", "window_size=30"]

# The same model on the same windows, the book's way: numpy windows, Keras fit, no pipeline.
PLAIN_KERAS = r'''
import csv, json, sys, time
import numpy as np, keras
from tfpipe.pipelines.forecasting.model import build_model
path, epochs, params = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
with open(path) as f:
    values = np.array([float(r["Monthly Mean Total Sunspot Number"]) for r in csv.DictReader(f)])
w, split = params["window_size"], params["split_index"]
train = values[:split]
mean, std = train.mean(), train.std()
scaled = (values - mean) / std
idx = np.arange(w, len(values))
x = np.stack([scaled[t - w:t] for t in idx]).astype("float32")
y = scaled[idx][:, None].astype("float32")
is_train = idx < split
keras.utils.set_random_seed(42)
model = build_model(params)
started = time.perf_counter()
model.fit(x[is_train], y[is_train], epochs=epochs, batch_size=params["batch_size"], verbose=0,
          validation_split=params["validation_fraction"])
fit = time.perf_counter() - started
forecast = model.predict(x[~is_train], verbose=0).mean(axis=1) * std + mean  # average the members
mae = float(np.mean(np.abs(forecast[:, 0] - values[idx][~is_train])))
print(json.dumps({"fit_seconds": fit, "mae": mae}))
'''


def main() -> None:
    """Run the pipeline cold and cached, then the plain script; print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    data = os.path.join(SHARED_DATA, "forecasting", "Sunspots.csv")
    if not os.path.exists(data):
        sys.exit(f"Sunspots.csv not found at {data}: the shared data folder must sit beside "
                 "the repository")
    workdir = args.workdir or tempfile.mkdtemp(prefix="tfpipe-bench-")
    command = [os.path.join(BIN, "tfpipe"), "run", "forecasting", "--data", data, "--workdir",
               workdir, "--json", "--quiet", *sum((["--set", s] for s in SETTINGS), [])]
    cold = timed(command)
    result = last_json_line(cold["stdout"])
    cached = timed(command)
    from tfpipe.local_run import prepare_config

    config = prepare_config("forecasting", None, SETTINGS)
    train_json = _train_artifact(workdir)
    epochs = train_json["report"]["summary"]["epochs_run"]
    plain = timed([sys.executable, "-c", PLAIN_KERAS, data, str(epochs), json.dumps(config)])
    plain_result = last_json_line(plain["stdout"])
    report = {
        "benchmark": "forecasting_sunspots",
        "machine": machine(),
        "seconds_per_component": {k: v for k, v in result["seconds"].items() if k != "total"},
        "pipeline_total_seconds": round(cold["seconds"], 2),
        "cached_rerun_seconds": round(cached["seconds"], 2),
        "cached_fraction_of_first": round(cached["seconds"] / cold["seconds"], 4),
        "peak_memory_mb": round(cold["peak_rss_bytes"] / 2**20, 1),
        "epochs_run": epochs,
        "plain_keras_seconds": round(plain["seconds"], 2),
        "plain_keras_fit_seconds": round(plain_result["fit_seconds"], 2),
        "ratio_pipeline_to_plain_keras": round(cold["seconds"] / plain["seconds"], 3),
        "pipeline_eval_mae": result["metrics"]["candidate"]["mae"],
        "naive_mae": result["metrics"]["baselines"]["naive"]["mae"],
        "plain_keras_eval_mae": plain_result["mae"],
        "blessed": result["blessed"],
        "help_seconds": round(help_seconds(), 3),
        "goals": {"ratio_max": 1.5, "peak_memory_mb_max": 3072, "help_seconds_max": 1.0,
                  "cached_fraction_max": 0.05},
    }
    print(json.dumps(report, indent=2))


def _train_artifact(workdir: str) -> dict:
    root = os.path.join(workdir, "artifacts", "forecasting", "train")
    key = next(d for d in os.listdir(root) if not d.startswith("."))
    with open(os.path.join(root, key, "artifact.json"), encoding="utf-8") as handle:
        return json.load(handle)


if __name__ == "__main__":
    main()
