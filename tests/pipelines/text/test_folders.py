"""Class folders of documents: layout detection, labels from folder names, quarantine, serving."""
from __future__ import annotations

import gzip
import json
import os
import random

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe.local_run import run_task
from tfpipe.pipelines.text.demo_corpus import SUBJECTS, sentiment_corpus
from tfpipe.pipelines.text.folders import list_documents, read_document
from tfpipe.pipelines.text.readers import Quarantined, Row, list_input_files
from tfpipe.registry import load_task

FAST = ["model=pooled", "epochs=12", "learning_rate=0.01", "batch_size=16", "patience=4"]
NAMES = {"0": "neg", "1": "pos"}


def write_corpus(root, rows, names) -> str:
    """One document a file: sentences of a class joined three at a time, plus the oddities."""
    by_class: dict[str, list[str]] = {}
    for text, label in rows:
        by_class.setdefault(names[label], []).append(text)
    for name, texts in by_class.items():
        folder = root / name
        folder.mkdir(parents=True)
        for index in range(0, len(texts) - 2, 3):
            document = " ".join(texts[index:index + 3])
            target = folder / ("deep" if index % 2 else "") / f"doc{index}.txt"
            target.parent.mkdir(exist_ok=True)
            target.write_text(document + "\n", encoding="utf-8")
    first = sorted(by_class)[0]
    (root / first / ".hidden.txt").write_text("never read\n")
    (root / first / ".cache").mkdir()
    (root / first / ".cache" / "skip.txt").write_text("never read either\n")
    (root / first / "broken.txt").write_bytes(b"caf\xe9 au lait \xff\xfe")
    (root / first / "empty.txt").write_text("   \n")
    (root / first / "blob.txt").write_bytes(b"\x89PNG\x00\x00\x01binary")
    (root / first / "notes.md").write_text("not a document: wrong extension\n")
    with gzip.open(root / first / "packed.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write(by_class[first][0] + " " + by_class[first][1])
    (root / "README.txt").write_text("Movie reviews, one folder per class.\n")
    return str(root)


THREE = {"0": "awful", "1": "great", "2": "facts"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
BOXES = ("brown", "small", "cardboard", "wooden", "large")
TYPICAL = {"0": "The service was terrible and awful, a waste of time.",
           "1": "The food was wonderful and excellent, worth every penny.",
           "2": "The camera arrived on monday in a brown box number 12"}


def three_class_rows(count: int, seed: int) -> list[tuple[str, str]]:
    """Sentiment sentences ('0', '1') and plain statements of fact ('2'), a third each."""
    rng = random.Random(seed)
    facts = [(f"{rng.choice(SUBJECTS)} arrived on {rng.choice(DAYS)} in a {rng.choice(BOXES)} "
              f"box number {rng.randint(1, 99)}", "2") for _ in range(count // 3)]
    return sentiment_corpus(count - len(facts), seed) + facts


@pytest.fixture
def corpus(tmp_path) -> str:
    return write_corpus(tmp_path / "reviews", sentiment_corpus(60, seed=5), NAMES)


def test_documents_are_listed_by_class_skipping_hidden_and_unmatched_files(corpus):
    files = [os.path.relpath(f, corpus) for f in list_documents(corpus, None, None)]
    assert not [f for f in files if "/." in f or f.startswith(".") or f.endswith(".md")]
    assert {f.split(os.sep)[0] for f in files} == {"neg", "pos"}
    assert any(os.sep + "deep" + os.sep in f for f in files)
    assert "neg/packed.txt.gz" in files and "README.txt" not in files
    only_pos = list_documents(corpus, None, ("pos",))
    assert only_pos and all(os.path.relpath(f, corpus).startswith("pos") for f in only_pos)


def test_a_missing_class_folder_is_named(corpus):
    with pytest.raises(FileNotFoundError, match="no class folder 'maybe'"):
        list_documents(corpus, None, ("pos", "maybe"))


@pytest.mark.parametrize("name, reason", [("broken.txt", "invalid_utf8"),
                                          ("empty.txt", "empty_text"),
                                          ("blob.txt", "binary_file")])
def test_bad_documents_are_quarantined_with_path_and_reason(corpus, name, reason):
    (item,) = read_document(os.path.join(corpus, "neg", name), corpus)
    assert isinstance(item, Quarantined)
    assert (item.source, item.reason) == (os.path.join("neg", name), reason)


def test_a_document_is_one_row_labelled_by_its_folder_and_gz_is_read(corpus):
    (row,) = read_document(os.path.join(corpus, "neg", "packed.txt.gz"), corpus)
    assert isinstance(row, Row) and row.label == "neg" and len(row.text.split()) > 4
    (corrupt,) = read_document(_write(corpus, "neg/corrupt.txt.gz", b"not gzip"), corpus)
    assert isinstance(corrupt, Quarantined) and corrupt.reason == "unreadable_file"


def _write(root: str, relative: str, data: bytes) -> str:
    path = os.path.join(root, relative)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def test_a_folder_matching_no_layout_names_the_layouts(tmp_path):
    (tmp_path / "empty-class").mkdir()
    (tmp_path / "notes.md").write_text("nothing to read\n")
    with pytest.raises(InputError, match="one sub-folder per class"):
        load_task("text").precheck(str(tmp_path), load_task("text").info.defaults)


def test_globs_and_gzip_files_are_inputs(tmp_path):
    rows = sentiment_corpus(20, seed=2)
    with gzip.open(tmp_path / "part1.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write("text,label\n" + "".join(f'"{t}",{label}\n' for t, label in rows[:10]))
    (tmp_path / "part2.csv").write_text(
        "text,label\n" + "".join(f'"{t}",{label}\n' for t, label in rows[10:]))
    assert list_input_files(str(tmp_path), None, "csv") == [
        str(tmp_path / "part1.csv.gz"), str(tmp_path / "part2.csv")]
    assert list_input_files(str(tmp_path / "part*"), None, None) == [
        str(tmp_path / "part1.csv.gz"), str(tmp_path / "part2.csv")]
    from tfpipe.pipelines.text.task import _files_and_reader

    files, read = _files_and_reader(str(tmp_path / "part*"), load_task("text").info.defaults)
    texts = [item.text for path in files for item in read(path) if isinstance(item, Row)]
    assert texts == [t for t, _ in rows]


@pytest.mark.slow
@pytest.mark.parametrize("names", [NAMES, THREE], ids=["two-classes", "three-classes"])
def test_class_folders_run_end_to_end(tmp_path, names, edge_texts):
    import tensorflow as tf

    rows = sentiment_corpus(900, seed=3) if len(names) == 2 else three_class_rows(1200, seed=3)
    data = write_corpus(tmp_path / "reviews", rows, names)
    result = run_task("text", data, None, FAST, str(tmp_path / "work"), [], quiet=True)
    assert result["blessed"], result["reason"]
    ingest = _record(result, "ingest")
    with open(os.path.join(ingest, "examples", "quarantine.jsonl"), encoding="utf-8") as handle:
        bad = sorted((json.loads(line)["file"], json.loads(line)["reason"]) for line in handle)
    first = sorted(names.values())[0]
    assert bad == [(f"{first}/blob.txt", "binary_file"), (f"{first}/broken.txt", "invalid_utf8"),
                   (f"{first}/empty.txt", "empty_text")]
    with open(os.path.join(ingest, "artifact.json"), encoding="utf-8") as handle:
        report = json.load(handle)["report"]
    assert report["metrics"]["quarantined"] == 3
    assert report["summary"]["quarantined_by_reason"] == {
        "binary_file": 1, "empty_text": 1, "invalid_utf8": 1}
    served = tf.saved_model.load(result["serving_path"]).signatures["serving_default"]
    long_review = " ".join(["a long review that goes on and on"] * 200)
    outputs = served(text=tf.constant([long_review, *edge_texts]))
    probabilities = outputs["probabilities"].numpy()
    assert np.isfinite(probabilities).all() and probabilities.shape[1] == len(names)
    labels = {v.decode() for v in outputs["label"].numpy().ravel()}
    assert labels <= set(names.values())
    typical = [TYPICAL[label] for label in names]
    answered = served(text=tf.constant(typical))["label"].numpy().ravel()
    assert [v.decode() for v in answered] == list(names.values())  # folder names as labels


def test_three_classes_get_three_labels(tmp_path):
    rows = [(f"word{i % 3} filler {i}", str(i % 3)) for i in range(30)]
    data = write_corpus(tmp_path / "three", rows, {"0": "a", "1": "b", "2": "c"})
    labels = {item.label for path in list_documents(data, None, None)
              for item in read_document(path, data) if isinstance(item, Row)}
    assert labels == {"a", "b", "c"}


def _record(result: dict, component: str) -> str:
    root = os.path.join(result["workdir"], "artifacts", "text", component)
    (name,) = [d for d in os.listdir(root) if not d.startswith(".")]
    return os.path.join(root, name)
