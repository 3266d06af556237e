"""Benchmark: the vision pipeline on MNIST (10k) against a plain Keras fit. Prints JSON.

    .venv/bin/python benchmarks/vision_mnist.py [--workdir DIR] [--set KEY=VALUE ...]

The pipeline trains on the first 8,000 images and evaluates on the last 2,000; the plain
script fits the same model (same builder, epochs and batch size) on the same arrays.
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from common import last_json_line, timed  # noqa: E402

SETTINGS = ["split_index=8000"]

# The same model on the same arrays, the book's way: numpy in memory, Keras fit, no pipeline.
PLAIN_KERAS = r'''
import json, sys, time
import numpy as np, keras
from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.settings import parse
from tfpipe.pipelines.vision.idx import find_idx_pairs, load_idx_pair
from tfpipe.pipelines.vision.model import build_model, compile_model
folder, params = sys.argv[1], json.loads(sys.argv[2])
(images, labels), = [load_idx_pair(*pair) for pair in find_idx_pairs(folder)]
x = (images.astype("float32") / 255.0)[..., None]
y = labels.astype("int64")
split = params["split_index"]
config = parse(VisionSettings, params)
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


def compare(runs: common.PipelineRuns, args: object) -> dict:
    """Ingest's image rate, and train's rate against the plain script's on the same arrays."""
    result = runs.result
    ingest = runs.artifact("ingest")["report"]["metrics"]
    train = runs.artifact("train")["report"]["metrics"]
    images = ingest["train_examples"] + ingest["eval_examples"] + ingest["quarantined"]
    plain = timed([sys.executable, "-c", PLAIN_KERAS, runs.data, json.dumps(runs.config())])
    plain_result = last_json_line(plain["stdout"])
    pipeline_rate = train["train_examples_per_second"]
    return {
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
    }


if __name__ == "__main__":
    common.main("vision_mnist", "vision", os.path.join("vision", "mnist"), SETTINGS, __doc__,
                compare, goals={"eval_accuracy_min": 0.975, "train_rate_ratio_min": 0.8,
                                "peak_memory_mb_max": 3072})
