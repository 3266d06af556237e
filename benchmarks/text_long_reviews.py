"""Benchmark: the text task on long SYNTHETIC reviews in class folders, with no --set.

No corpus of real long reviews exists on this machine and nothing may be downloaded, so this
measures the seeded generator of tfpipe.pipelines.text.long_reviews (2,000 reviews of 400
to 1,000 words, about 700 on average, whose class shows only after word 220): the pipeline
with its defaults, optionally with the defaults tfpipe had before long documents (`--old`:
vocabulary 2,000, length cap 200, Conv1D), and a plain Keras script with averaged
embeddings (the book's way) on the same 80/20 split. Prints one JSON document. Its figures
say what the defaults do on long documents whose signal is late; they are no stand-in for
accuracy on real reviews.

    .venv/bin/python benchmarks/text_long_reviews.py [--reviews N] [--old] [--set KEY=VALUE ...]

`--data DIR` runs the same measurements on a real class-folder corpus instead (e.g. the
movie-review polarity corpus's `txt_sentoken/`, with `neg/` and `pos/`), where one exists.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import BIN, last_json_line, machine, timed  # noqa: E402

OLD_DEFAULTS = ["vocab_size=2000", "min_frequency=1", "max_sequence_length=200",
                "model=conv1d", "epochs=10"]

# The book's averaged-embeddings classifier: TextVectorization over the train split,
# Embedding, GlobalAveragePooling1D, Dense; the pipeline's split (a seeded hash of the text).
PLAIN_KERAS = r'''
import glob, json, os, sys, time
import numpy as np, keras
from tfpipe.pipelines.text.split import assign_split
folder = sys.argv[1]
rows = []
names = sorted(n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n))
               and not n.startswith("."))
assert len(names) == 2, names
for label, name in enumerate(names):
    for path in sorted(glob.glob(os.path.join(folder, name, "**", "*.txt"), recursive=True)):
        with open(path, encoding="utf-8") as handle:
            rows.append((handle.read().strip(), label))
texts = np.array([t for t, _ in rows]); labels = np.array([l for _, l in rows])
is_eval = np.array([assign_split(t, 0.2, 0) == "eval" for t in texts])
keras.utils.set_random_seed(42)
vectorize = keras.layers.TextVectorization(max_tokens=10000)
vectorize.adapt(texts[~is_eval])
x = np.asarray(vectorize(texts)).astype("int64")
model = keras.Sequential([keras.Input((x.shape[1],), dtype="int64"),
                          keras.layers.Embedding(10000, 16, mask_zero=True),
                          keras.layers.GlobalAveragePooling1D(),
                          keras.layers.Dense(24, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
started = time.perf_counter()
history = model.fit(x[~is_eval], labels[~is_eval], epochs=30, batch_size=32,
                    validation_split=0.1, verbose=0, callbacks=[keras.callbacks.EarlyStopping(
                        monitor="val_loss", patience=5, restore_best_weights=True)])
fit = time.perf_counter() - started
predicted = (model.predict(x[is_eval], verbose=0)[:, 0] > 0.5).astype(int)
print(json.dumps({"fit_seconds": fit, "accuracy": float(np.mean(predicted == labels[is_eval])),
                  "epochs_run": len(history.history["loss"]), "eval_rows": int(is_eval.sum()),
                  "sequence_length": int(x.shape[1])}))
'''


def pipeline_run(data: str, settings: list[str]) -> dict:
    """One cold `tfpipe run text` into a new workdir: its figures and the transform's facts."""
    workdir = tempfile.mkdtemp(prefix="tfpipe-bench-long-")
    command = [os.path.join(BIN, "tfpipe"), "run", "text", "--data", data, "--workdir", workdir,
               "--json", "--quiet", *sum((["--set", s] for s in settings), [])]
    run = timed(command)
    result = last_json_line(run["stdout"])
    transform = os.path.join(workdir, "artifacts", "text", "transform")
    (key,) = [d for d in os.listdir(transform) if not d.startswith(".")]
    with open(os.path.join(transform, key, "transform_graph", "facts.json"),
              encoding="utf-8") as handle:
        facts = json.load(handle)
    train = os.path.join(workdir, "artifacts", "text", "train")
    (key,) = [d for d in os.listdir(train) if not d.startswith(".")]
    with open(os.path.join(train, key, "artifact.json"), encoding="utf-8") as handle:
        trained = json.load(handle)["report"]
    return {"settings": settings, "seconds": round(run["seconds"], 2),
            "seconds_per_component": {k: v for k, v in result["seconds"].items()
                                      if k != "total"},
            "peak_memory_mb": round(run["peak_rss_bytes"] / 2**20, 1),
            "transform_facts": facts, "epochs_run": trained["summary"]["epochs_run"],
            "parameters": trained["params"]["parameters"],
            "eval_accuracy": result["metrics"]["candidate"]["accuracy"],
            "majority_eval_accuracy": result["metrics"]["baselines"]["majority"]["accuracy"],
            "blessed": result["blessed"]}


def _read(path: str) -> str:
    """A document's text (undecodable bytes replaced: only its length is used)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None,
                        help="a real class-folder corpus (two classes) instead of synthetic")
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--old", action="store_true",
                        help="also run with the defaults from before long documents")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain Keras script")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="config for the pipeline run (default: none)")
    args = parser.parse_args()
    from tfpipe.pipelines.text.long_reviews import long_reviews, write_class_folders

    if args.data:
        data = os.path.abspath(args.data)
        texts = [_read(os.path.join(folder, name)) for folder, _, names in os.walk(data)
                 for name in names if name.endswith(".txt") and folder != data]
    else:
        reviews = long_reviews(args.reviews, seed=args.seed)
        data = write_class_folders(tempfile.mkdtemp(prefix="tfpipe-long-reviews-"), reviews)
        texts = [text for text, _ in reviews]
    words = sorted(len(text.split()) for text in texts)
    report = {"benchmark": "text_long_reviews", "synthetic": not args.data,
              "data": args.data or "tfpipe.pipelines.text.long_reviews", "machine": machine(),
              "corpus": {"documents": len(words), "words_mean": round(sum(words) / len(words)),
                         "words_median": words[len(words) // 2], "words_max": words[-1]},
              "pipeline": pipeline_run(data, args.sets)}
    if args.old:
        report["pipeline_old_defaults"] = pipeline_run(data, OLD_DEFAULTS)
    if not args.no_plain:
        plain = timed([sys.executable, "-c", PLAIN_KERAS, data])
        report["plain_keras_averaged_embeddings"] = {
            **last_json_line(plain["stdout"]), "seconds": round(plain["seconds"], 2)}
    report["goals"] = {"beats_majority": True, "eval_accuracy_min": 0.78}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
