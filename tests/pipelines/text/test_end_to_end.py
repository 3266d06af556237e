"""The text pipeline end to end on tiny generated data: quarantine, blessing, push, serving."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe.local_run import run_task
from tfpipe.pipelines.text.demo_corpus import sentiment_corpus

pytestmark = pytest.mark.slow
FAST = ["model=pooled", "epochs=12", "learning_rate=0.01", "batch_size=16", "patience=4",
        "format=tsv", "header=false", "text_column=0", "label_column=1"]
BAD_ROWS = b"   \t1\nno label at all\t\nbad \xff byte\t0\nodd label\tmaybe\n"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("sentiment")
    rows = sentiment_corpus(320, seed=3)
    (folder / "a.txt").write_bytes("".join(f"{t}\t{l}\n" for t, l in rows[:160]).encode())
    (folder / "b.txt").write_bytes("".join(f"{t}\t{l}\n" for t, l in rows[160:]).encode()
                                   + BAD_ROWS)
    (folder / "readme.txt").write_text("Two files of sentences.\n")
    return str(folder)


@pytest.fixture(scope="module")
def result(data, tmp_path_factory) -> dict:
    workdir = str(tmp_path_factory.mktemp("text-work"))
    return run_task("text", data, None, FAST + ["label_values=0,1"], workdir, [], quiet=True)


def only_record(result: dict, component: str) -> str:
    root = os.path.join(result["workdir"], "artifacts", "text", component)
    (name,) = [d for d in os.listdir(root) if not d.startswith(".")]
    return os.path.join(root, name)


def test_run_blesses_and_pushes(result):
    assert result["blessed"], result["reason"]
    metrics = result["metrics"]
    assert set(metrics["candidate"]) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert set(metrics["baselines"]) == {"majority"}
    assert metrics["candidate"]["accuracy"] > metrics["baselines"]["majority"]["accuracy"]
    assert result["pushed_version"] == 1
    assert os.path.isfile(os.path.join(result["serving_path"], "saved_model.pb"))


def test_bad_rows_are_quarantined_with_reasons(result):
    folder = os.path.join(only_record(result, "ingest"), "examples")
    with open(os.path.join(folder, "quarantine.jsonl"), encoding="utf-8") as handle:
        bad = [json.loads(line) for line in handle]
    assert sorted((b["file"], b["reason"]) for b in bad) == [
        ("b.txt", "empty_text"), ("b.txt", "invalid_utf8"), ("b.txt", "missing_label"),
        ("b.txt", "unknown_label")]
    with open(os.path.join(only_record(result, "ingest"), "artifact.json")) as handle:
        report = json.load(handle)["report"]
    assert report["metrics"]["quarantined"] == 4
    assert report["summary"]["quarantined_by_reason"] == {
        "empty_text": 1, "invalid_utf8": 1, "missing_label": 1, "unknown_label": 1}


def test_train_reads_every_ingested_train_example_through_the_transform_graph(result):
    from tfpipe.components import tfrecords

    def report(component: str) -> dict:
        with open(os.path.join(only_record(result, component), "artifact.json")) as handle:
            return json.load(handle)["report"]

    transformed = os.path.join(only_record(result, "transform"), "transformed_examples")
    with open(os.path.join(transformed, "materialized.json"), encoding="utf-8") as handle:
        assert json.load(handle) == {"materialized": False}  # text's default
    assert report("transform")["summary"]["force_tf_compat_v1"] is True  # text's default
    with pytest.raises(FileNotFoundError):  # no transformed copy written
        tfrecords.split_files(transformed, "train")
    trained = report("train")["params"]
    assert (trained["train_examples"] + trained["validation_examples"]
            == report("ingest")["metrics"]["train_examples"])


def load_eval(result: dict) -> dict:
    from tfpipe.components import tfrecords
    from tfpipe.pipelines.text.features import raw_feature_spec

    return tfrecords.load_split(os.path.join(only_record(result, "ingest"), "examples"),
                                "eval", raw_feature_spec("text"))


def test_served_raw_sentences_reproduce_evaluated_probabilities(result):
    import tensorflow as tf

    raw = load_eval(result)
    scored = np.load(os.path.join(only_record(result, "evaluate"), "evaluation",
                                  "predictions.npz"))["candidate"]
    model = tf.saved_model.load(result["serving_path"])
    served = model.signatures["serving_default"](text=tf.constant(raw["text"]))
    np.testing.assert_allclose(served["probabilities"].numpy(), scored, rtol=1e-5, atol=1e-6)
    one = model.signatures["serving_default"](text=tf.constant(raw["text"][:1]))
    np.testing.assert_allclose(one["probabilities"].numpy(), scored[:1], rtol=1e-5, atol=1e-6)
    labels = [l.decode() for l in served["label"].numpy()]
    assert set(labels) <= {"0", "1"}


def test_unseen_words_edge_texts_and_examples_signature(result, edge_texts):
    import tensorflow as tf

    model = tf.saved_model.load(result["serving_path"])
    sentences = ["Zxqv blorft the quokka was GREAT!!", "qwerty uiop"] + edge_texts
    out = model.signatures["serving_default"](text=tf.constant(sentences))
    probabilities = out["probabilities"].numpy()
    assert probabilities.shape == (len(sentences), 2)
    assert np.all(np.isfinite(probabilities)), dict(zip(sentences, probabilities.tolist()))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    examples = [tf.train.Example(features=tf.train.Features(feature={"text": tf.train.Feature(
        bytes_list=tf.train.BytesList(value=[s.encode()]))})).SerializeToString()
        for s in sentences]
    via_examples = model.signatures["serving_examples"](examples=tf.constant(examples))
    np.testing.assert_allclose(via_examples["probabilities"].numpy(), probabilities, rtol=1e-5)


def test_file_without_valid_rows_fails_and_pushes_nothing(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    rows = sentiment_corpus(40, seed=1)
    (folder / "good.tsv").write_text("".join(f"{t}\t{l}\n" for t, l in rows))
    (folder / "broken.tsv").write_bytes(b"\t1\nonly text\n\xff\t0\n")
    workdir = str(tmp_path / "work")
    with pytest.raises(InputError, match=r"no valid row in .*broken.tsv \(1 empty_text, "
                                         r"1 invalid_utf8, 1 missing_label\)"):
        run_task("text", str(folder), None, FAST, workdir, [], quiet=True)
    assert not os.path.exists(os.path.join(workdir, "serving"))
