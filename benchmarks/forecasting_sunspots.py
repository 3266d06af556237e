"""Benchmark: the forecasting pipeline on Sunspots against a plain Keras script. Prints JSON.

    .venv/bin/python benchmarks/forecasting_sunspots.py [--workdir DIR] [--set KEY=VALUE ...]
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from common import last_json_line, timed  # noqa: E402

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


def compare(runs: common.PipelineRuns, args: object) -> dict:
    """The plain script for as many epochs as the pipeline's early stopping ran."""
    result = runs.result
    epochs = runs.artifact("train")["report"]["summary"]["epochs_run"]
    plain = timed([sys.executable, "-c", PLAIN_KERAS, runs.data, str(epochs),
                   json.dumps(runs.config())])
    plain_result = last_json_line(plain["stdout"])
    return {
        "cached_fraction_of_first": round(runs.cached["seconds"] / runs.cold["seconds"], 4),
        "epochs_run": epochs,
        "plain_keras_seconds": round(plain["seconds"], 2),
        "plain_keras_fit_seconds": round(plain_result["fit_seconds"], 2),
        "ratio_pipeline_to_plain_keras": round(runs.cold["seconds"] / plain["seconds"], 3),
        "pipeline_eval_mae": result["metrics"]["candidate"]["mae"],
        "naive_mae": result["metrics"]["baselines"]["naive"]["mae"],
        "plain_keras_eval_mae": plain_result["mae"],
    }


if __name__ == "__main__":
    common.main("forecasting_sunspots", "forecasting", os.path.join("forecasting", "Sunspots.csv"),
                SETTINGS, __doc__, compare,
                goals={"ratio_max": 1.5, "peak_memory_mb_max": 3072, "help_seconds_max": 1.0,
                       "cached_fraction_max": 0.05})
