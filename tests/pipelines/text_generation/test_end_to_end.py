"""The text-generation pipeline end to end on a tiny generated corpus, then `tfpipe generate`."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tfpipe.cli import main
from tfpipe.local_run import run_task
from tfpipe.pipelines.text_generation.demo_corpus import ballad_corpus

pytestmark = pytest.mark.slow
FAST = ["units=24", "epochs=15", "batch_size=16", "patience=3", "eval_fraction=0.2"]


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("corpus")
    path = folder / "ballads.txt"
    path.write_bytes(("\n".join(ballad_corpus(150, seed=2)) + "\n\n").encode() + b"\xfe\n")
    workdir = str(tmp_path_factory.mktemp("generation-work"))
    return run_task("text-generation", str(path), None, FAST, workdir, [], quiet=True)


def test_language_model_beats_unigram_and_is_pushed(result):
    assert result["blessed"], result["reason"]
    candidate = result["metrics"]["candidate"]
    unigram = result["metrics"]["baselines"]["unigram"]
    assert set(candidate) == {"top1_accuracy", "top5_accuracy", "perplexity"}
    assert candidate["top5_accuracy"] > unigram["top5_accuracy"]
    assert candidate["perplexity"] < unigram["perplexity"]
    assert result["pushed_version"] == 1


def test_serving_scores_lines_like_evaluate(result):
    import tensorflow as tf

    from tfpipe.components import tfrecords
    from tfpipe.registry import load_task

    module = load_task("text-generation")
    root = os.path.join(result["workdir"], "artifacts", "text-generation")
    ingest = [d.path for d in os.scandir(os.path.join(root, "ingest"))
              if not d.name.startswith(".")][0]
    evaluation = [d.path for d in os.scandir(os.path.join(root, "evaluate"))
                  if not d.name.startswith(".")][0]
    raw = tfrecords.load_split(os.path.join(ingest, "examples"), "eval",
                               module.raw_feature_spec({}))
    model = tf.saved_model.load(result["serving_path"])
    outputs = model.signatures["serving_default"](text=tf.constant(raw["text"]))
    served = module.eval_predictions({k: v.numpy() for k, v in outputs.items()})
    scored = np.load(os.path.join(evaluation, "evaluation", "predictions.npz"))["candidate"]
    np.testing.assert_allclose(served, scored, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(served[:, 3], raw["next_words"])


def test_serving_answers_edge_texts_with_finite_outputs(result, edge_texts):
    import tensorflow as tf

    model = tf.saved_model.load(result["serving_path"])
    outputs = model.signatures["serving_default"](text=tf.constant(edge_texts))
    for name, value in outputs.items():
        value = value.numpy()
        assert value.shape[0] == len(edge_texts), name
        if np.issubdtype(value.dtype, np.number):
            assert np.all(np.isfinite(value)), (name, value)


def test_generate_prints_seed_and_words_deterministically(result, capsys):
    argv = ["generate", "--workdir", result["workdir"], "--seed-text", "In the town of",
            "--words", "6"]
    assert main(argv) == 0
    first = capsys.readouterr().out.strip()
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == first
    assert first.startswith("In the town of ") and len(first.split()) == 4 + 6
    assert main(argv + ["--temperature", "1.0", "--seed", "4"]) == 0
    sampled = capsys.readouterr().out.strip()
    assert len(sampled.split()) == 10 and "<unk>" not in sampled and "<pad>" not in sampled


def test_generate_without_a_pushed_model_is_a_clear_error(tmp_path, capsys):
    assert main(["generate", "--workdir", str(tmp_path), "--seed-text", "x"]) == 2
    assert "no pushed model under" in capsys.readouterr().err
