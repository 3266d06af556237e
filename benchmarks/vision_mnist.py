"""Benchmark: the vision pipeline on MNIST (10k) against a plain Keras fit. Prints JSON.

    .venv/bin/python benchmarks/vision_mnist.py [--workdir DIR]

The pipeline trains on the first 8,000 images and evaluates on the last 2,000; the plain
script fits the same model (same builder, epochs and batch size) on the same arrays.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import BIN, SHARED_DATA, help_seconds, last_json_line, machine, timed  # noqa: E402

SETTINGS = ["split_index=8000"]

# The same model on the same arrays, the book's way: numpy in memory, Keras fit, no pipeline.
PLAIN_KERAS = r'''
import json, sys, time
import numpy as np, keras
from tfpipe.pipelines.vision.config import parse_config
from tfpipe.pipelines.vision.idx import find_idx_pairs, load_idx_pair
from tfpipe.pipelines.vision.model import build_model, compile_model
folder, params = sys.argv[1], json.loads(sys.argv[2])
(images, labels), = [load_idx_pair(*pair) for pair in find_idx_pairs(folder)]
x = (images.astype("float32") / 255.0)[..., None]
y = labels.astype("int64")
split = params["split_index"]
config = parse_config(params)
keras.utils.set_random_seed(config.seed)
model = compile_model(build_model((28, 28, 1), 10, config), 10, config.learning_rate)
started = time.perf_counter()
model.fit({"image_xf": x[:split]}, y[:split], epochs=config.epochs,
          batch_size=config.batch_size, verbose=0)
fit = time.perf_counter() - started
accuracy = model.evaluate({"image_xf": x[split:]}, y[split:], verbose=0)[1]
print(json.dumps({"fit_seconds": fit, "train_images_per_second": split * config.epochs / fit,
                  "eval_accuracy": float(accuracy)}))
'''


def main() -> None:
    """Run the pipeline cold and cached, then the plain script; print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    data = os.path.join(SHARED_DATA, "vision", "mnist")
    if not os.path.isdir(data):
        sys.exit(f"MNIST not found at {data}: the shared data folder must sit beside the "
                 "repository")
    workdir = args.workdir or tempfile.mkdtemp(prefix="tfpipe-bench-vision-")
    command = [os.path.join(BIN, "tfpipe"), "run", "vision", "--data", data, "--workdir",
               workdir, "--json", "--quiet", *sum((["--set", s] for s in SETTINGS), [])]
    cold = timed(command)
    result = last_json_line(cold["stdout"])
    cached = timed(command)
    from tfpipe.local_run import prepare_config

    config = prepare_config("vision", None, SETTINGS)
    ingest = _artifact(workdir, "ingest")["report"]["metrics"]
    train = _artifact(workdir, "train")["report"]["metrics"]
    images = ingest["train_examples"] + ingest["eval_examples"] + ingest["quarantined"]
    plain = timed([sys.executable, "-c", PLAIN_KERAS, data, json.dumps(config)])
    plain_result = last_json_line(plain["stdout"])
    pipeline_rate = train["train_examples_per_second"]
    report = {
        "benchmark": "vision_mnist",
        "machine": machine(),
        "seconds_per_component": {k: v for k, v in result["seconds"].items() if k != "total"},
        "pipeline_total_seconds": round(cold["seconds"], 2),
        "cached_rerun_seconds": round(cached["seconds"], 2),
        "peak_memory_mb": round(cold["peak_rss_bytes"] / 2**20, 1),
        "ingest_images": images,
        "ingest_images_per_second": round(images / result["seconds"]["ingest"], 1),
        "epochs": int(train["epochs_run"]),
        "pipeline_train_images_per_second": round(pipeline_rate, 1),
        "plain_keras_train_images_per_second": round(plain_result["train_images_per_second"], 1),
        "train_rate_pipeline_over_plain": round(
            pipeline_rate / plain_result["train_images_per_second"], 3),
        "pipeline_eval_accuracy": result["metrics"]["candidate"]["accuracy"],
        "majority_eval_accuracy": result["metrics"]["baselines"]["majority"]["accuracy"],
        "plain_keras_eval_accuracy": round(plain_result["eval_accuracy"], 4),
        "blessed": result["blessed"],
        "pushed_version": result["pushed_version"],
        "help_seconds": round(help_seconds(), 3),
        "goals": {"eval_accuracy_min": 0.975, "train_rate_ratio_min": 0.8,
                  "peak_memory_mb_max": 3072},
    }
    print(json.dumps(report, indent=2))


def _artifact(workdir: str, component: str) -> dict:
    """The artifact.json of the (single) run of one component."""
    root = os.path.join(workdir, "artifacts", "vision", component)
    key = next(d for d in os.listdir(root) if not d.startswith("."))
    with open(os.path.join(root, key, "artifact.json"), encoding="utf-8") as handle:
        return json.load(handle)


if __name__ == "__main__":
    main()
