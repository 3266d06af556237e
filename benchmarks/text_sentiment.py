"""Benchmark: the text pipeline on the UCI sentiment sentences against a plain Keras script.

Prints one JSON document: seconds per component, rows per second through ingest and
transform, total time against the same model trained the book's way, peak memory.

    .venv/bin/python benchmarks/text_sentiment.py [--workdir DIR] [--repeats N] [--set KEY=VALUE ...]

The cold pipeline run and the plain script alternate `--repeats` times (new workdir each
time); totals are medians, and the ratio is median over median, since one pair of runs on a
shared machine can be far off (benchmarks/RESULTS.md, text_sentiment).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from common import last_json_line, timed  # noqa: E402

from tfpipe.pipelines.text.lengths import choose_model  # noqa: E402

SETTINGS = ["format=tsv", "header=false", "text_column=0", "label_column=1",
            "eval_fraction=0.2", "split_seed=0"]

# The same split, vectorization size, sequence length and Keras model, the book's way:
# Python reads the files, TextVectorization tokenizes, model.fit trains. No Beam, no
# tf.Transform, no MLflow, no export.
PLAIN_KERAS = r'''
import glob, json, os, sys, time
import numpy as np, keras, tensorflow as tf
from tfpipe.pipelines.text.config import TextSettings
from tfpipe.settings import parse
from tfpipe.pipelines.text.models import build_classifier, default_embedding_dim
from tfpipe.pipelines.text.split import assign_split
folder, epochs, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
values = json.loads(sys.argv[4])
cfg = parse(TextSettings, values)
rows = []
for path in sorted(glob.glob(os.path.join(folder, "*_labelled.txt"))):
    with open(path, encoding="utf-8") as handle:
        for line in handle.read().split("\n"):
            if "\t" in line:
                text, label = line.rsplit("\t", 1)
                if text.strip() and label.strip() in ("0", "1"):
                    rows.append((text.strip(), int(label)))
split = [assign_split(t, cfg.eval_fraction, cfg.split_seed) for t, _ in rows]
texts = np.array([t for t, _ in rows]); labels = np.array([l for _, l in rows])
is_eval = np.array([s == "eval" for s in split])
keras.utils.set_random_seed(values.get("seed", 42))
vectorize = keras.layers.TextVectorization(max_tokens=cfg.vocab_size + 2,
                                           output_sequence_length=length)
vectorize.adapt(texts[~is_eval])
x = np.asarray(vectorize(texts)).astype("int64")
vocabulary = len(vectorize.get_vocabulary()) - 2
model = build_classifier(cfg, vocabulary + 2, vocabulary, 2)
started = time.perf_counter()
model.fit(x[~is_eval], labels[~is_eval], epochs=epochs, batch_size=cfg.batch_size,
          validation_split=0.1, verbose=0)
fit = time.perf_counter() - started
accuracy = float(np.mean(model.predict(x[is_eval], verbose=0).argmax(axis=1) == labels[is_eval]))
print(json.dumps({"fit_seconds": fit, "accuracy": accuracy, "eval_rows": int(is_eval.sum())}))
'''


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=3,
                        help="cold pipeline runs and plain-script runs, alternating")


def compare(runs: common.PipelineRuns, args: argparse.Namespace) -> dict:
    """Plain script and cold pipeline alternating --repeats times; medians and their ratio."""
    result = runs.result
    config = runs.config()
    ingest = runs.artifact("ingest")["report"]["metrics"]
    epochs = runs.artifact("train")["report"]["summary"]["epochs_run"]
    length = _sequence_length(runs.artifact_dir("transform"))
    keys = ("eval_fraction", "split_seed", "embedding_dim", "units",
            "dense_units", "dropout", "batch_size", "learning_rate", "seed")
    facts = runs.artifact("transform")["report"]["metrics"]
    # What the pipeline fitted and chose: its vocabulary's size (words seen min_frequency
    # times, at most vocab_size) and the model model=auto picked for the fitted length.
    fitted = {"vocab_size": int(facts["vocabulary_size/text_vocab"]),
              "model": choose_model(config["model"], length, config["long_text_tokens"])}
    plain_command = [sys.executable, "-c", PLAIN_KERAS, runs.data, str(epochs), str(length),
                     json.dumps({**{k: config[k] for k in keys}, **fitted})]
    pipeline_runs, plain_runs = [runs.cold], []
    for repeat in range(max(args.repeats, 1)):
        plain_runs.append(timed(plain_command))
        if repeat + 1 < args.repeats:
            pipeline_runs.append(timed(runs.command(tempfile.mkdtemp(prefix="tfpipe-bench-text-")),
                                       env=common.NO_WAIT))
    plain = plain_runs[0]
    plain_result = last_json_line(plain["stdout"])
    pipeline_seconds = [round(run["seconds"], 2) for run in pipeline_runs]
    plain_seconds = [round(run["seconds"], 2) for run in plain_runs]
    seconds = result["seconds"]
    rows_in = ingest["train_examples"] + ingest["eval_examples"] + ingest["quarantined"]
    transformed = ingest["train_examples"] + ingest["eval_examples"]
    return {
        "rows": {"input": rows_in, "train": ingest["train_examples"],
                 "eval": ingest["eval_examples"], "quarantined": ingest["quarantined"]},
        "ingest_rows_per_second": round(rows_in / seconds["ingest"], 1),
        "transform_rows_per_second": round(transformed / seconds["transform"], 1),
        "sequence_length": length,
        "vocabulary_size": fitted["vocab_size"],
        "model": fitted["model"],
        "pipeline_total_seconds": round(statistics.median(pipeline_seconds), 2),
        "pipeline_total_seconds_runs": pipeline_seconds,
        "epochs_run": epochs,
        "plain_keras_seconds": round(statistics.median(plain_seconds), 2),
        "plain_keras_seconds_runs": plain_seconds,
        "plain_keras_fit_seconds": round(plain_result["fit_seconds"], 2),
        "plain_keras_peak_memory_mb": round(plain["peak_rss_bytes"] / 2**20, 1),
        "ratio_pipeline_to_plain_keras": round(statistics.median(pipeline_seconds)
                                               / statistics.median(plain_seconds), 3),
        "ratio_runs": [round(p / k, 3) for p, k in zip(pipeline_seconds, plain_seconds)],
        "pipeline_eval_accuracy": result["metrics"]["candidate"]["accuracy"],
        "majority_eval_accuracy": result["metrics"]["baselines"]["majority"]["accuracy"],
        "plain_keras_eval_accuracy": plain_result["accuracy"],
    }


def _sequence_length(transform_dir: str) -> int:
    """The sequence length the transform fitted, as train reads it."""
    import tensorflow_transform as tft

    from tfpipe.pipelines.text.lengths import fitted_sequence_length

    return fitted_sequence_length(
        tft.TFTransformOutput(os.path.join(transform_dir, "transform_graph")))


if __name__ == "__main__":
    common.main("text_sentiment", "text", os.path.join("text", "sentiment"), SETTINGS, __doc__,
                compare, goals={"eval_accuracy_min": 0.80, "ratio_max": 1.3,  # issue #14
                                "cached_rerun_seconds_max": 2.0},
                add_arguments=add_arguments)
