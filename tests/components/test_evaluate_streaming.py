"""A whole pipeline whose evaluate and push read the eval split in small batches: no more than
one batch of features alive at a time, evaluate reads the split once (its plots' columns kept
from scoring), and the blessing's numbers are those of scoring the whole split at once."""
from __future__ import annotations

import glob
import json
import os
import weakref

import pytest

from tfpipe.components import eval_stream, tfrecords
from tfpipe.components.scoring import call_batched, load_signature
from tfpipe.local_run import run_task
from tfpipe.registry import load_task

pytestmark = pytest.mark.slow
BATCH = 16
SETTINGS = ["model=dense", "units=8", "ensemble_size=1", "epochs=1", "window_size=12",
            "force_bless=streaming test: push must run"]


def only(pattern: str) -> str:
    (path,) = [p for p in glob.glob(pattern) if not os.path.basename(p).startswith(".")]
    return path


def test_evaluate_and_push_stream_the_eval_split(tmp_path, monkeypatch):
    reads: list[dict] = []
    original = eval_stream.raw_batches

    def tracked(root, split, spec, batch_size=eval_stream.BATCH_SIZE):
        read = {"split": split, "columns": sorted(spec), "batches": 0, "alive": 0,
                "most_alive": 0}
        reads.append(read)

        def dead():
            read["alive"] -= 1

        for batch in original(root, split, spec, min(batch_size, BATCH)):
            read["most_alive"] = max(read["most_alive"], read["alive"])
            if "window" in batch:  # the features: what must not pile up
                weakref.finalize(batch["window"], dead)
                read["alive"] += 1
            read["batches"] += 1
            yield batch

    monkeypatch.setattr(eval_stream, "raw_batches", tracked)
    workdir = str(tmp_path / "work")
    result = run_task("forecasting", None, None, SETTINGS, workdir, [], quiet=True)
    assert result["pushed_version"] == 1

    # Evaluate's one pass (the plot's columns are kept from it), then push's serving check.
    scoring, validation = reads
    assert scoring["batches"] > 3, "the eval split is too small to test streaming"
    # Each batch is dropped once the next arrives; a whole split kept would count them all.
    assert scoring["most_alive"] <= 1
    # Push's check reads its 16 examples and no further batch.
    assert validation["batches"] == 1

    # The blessing's numbers equal scoring the whole split at once.
    hooks = load_task("forecasting")
    examples = os.path.join(only(os.path.join(workdir, "artifacts", "forecasting", "ingest",
                                              "*")), "examples")
    params = json.load(open(os.path.join(only(os.path.join(
        workdir, "artifacts", "forecasting", "evaluate", "*")), "artifact.json"),
        encoding="utf-8"))["params"]["params"]
    raw = tfrecords.load_split(examples, "eval", hooks.raw_feature_spec(params))
    model = only(os.path.join(workdir, "artifacts", "forecasting", "train", "*"))
    signature = load_signature(os.path.join(model, "model"))
    labels = hooks.eval_labels(raw)
    candidate = hooks.metrics(labels, hooks.eval_predictions(
        call_batched(signature, hooks.eval_inputs(raw), batch_size=BATCH)))
    with open(os.path.join(only(os.path.join(workdir, "artifacts", "forecasting", "evaluate",
                                             "*")), "evaluation", "blessing.json"),
              encoding="utf-8") as handle:
        blessing = json.load(handle)
    assert blessing["eval_examples"] == len(labels)
    assert blessing["candidate"] == candidate
    stats_dir = os.path.join(os.path.dirname(examples), "statistics")
    with open(os.path.join(stats_dir, "summary.json"), encoding="utf-8") as handle:
        baselines = hooks.baselines(raw, json.load(handle), params)
    assert blessing["baselines"] == {name: hooks.metrics(labels, values)
                                     for name, values in baselines.items()}
