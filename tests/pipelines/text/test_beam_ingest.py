"""Beam ingest: split, label inference from train, quarantine of labels outside the set."""
from __future__ import annotations

import functools

from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tfpipe.pipelines.text.beam_ingest import IngestText
from tfpipe.pipelines.text.config import ReaderConfig
from tfpipe.pipelines.text.readers import read_labelled_file
from tfpipe.pipelines.text.split import assign_split


def write_rows(path, rows):
    path.write_text("text\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in rows))
    return str(path)


def test_labels_inferred_from_train_and_unknown_eval_labels_quarantined(tmp_path):
    texts = [f"review number {i}" for i in range(40)]
    rows = [(t, "pos" if i % 2 else "neg") for i, t in enumerate(texts)]
    # One extra label that only occurs in an eval row: it is not in the train label set.
    eval_only = next(t for t in (f"odd one {i}" for i in range(100))
                     if assign_split(t, 0.3, 5) == "eval")
    path = write_rows(tmp_path / "a.tsv", rows + [(eval_only, "meh"), ("", "pos")])
    read = functools.partial(read_labelled_file, cfg=ReaderConfig())
    expected_eval = sorted(
        ({"text": t, "label": l, "label_index": ["neg", "pos"].index(l)}
         for t, l in rows if assign_split(t, 0.3, 5) == "eval"), key=str)
    with TestPipeline() as pipeline:
        out = pipeline | IngestText([path], read, 0.3, 5, True)
        assert_that(out["eval"] | "SortEval" >> _sorted(), equal_to([expected_eval]),
                    label="EvalRows")
        assert_that(out["quarantine"] | "Reasons" >> _reasons(),
                    equal_to([("a.tsv", "empty_text"), ("a.tsv", "unknown_label")]),
                    label="Quarantine")


def test_configured_label_values_keep_their_order(tmp_path):
    path = write_rows(tmp_path / "b.tsv", [("good", "pos"), ("bad", "neg"), ("odd", "meh")])
    read = functools.partial(read_labelled_file, cfg=ReaderConfig())
    with TestPipeline() as pipeline:
        out = pipeline | IngestText([path], read, 0.01, 0, True, ("pos", "neg"))
        assert_that(out["train"] | "Pairs" >> _pairs(),
                    equal_to([("good", 0), ("bad", 1)]), label="Indices")
        assert_that(out["quarantine"] | "Reasons" >> _reasons(),
                    equal_to([("b.tsv", "unknown_label")]), label="Quarantine")


def _sorted():
    import apache_beam as beam

    return (beam.combiners.ToList() | beam.Map(lambda items: sorted(items, key=str)))


def _reasons():
    import apache_beam as beam

    return beam.Map(lambda q: (q["file"], q["reason"]))


def _pairs():
    import apache_beam as beam

    return beam.Map(lambda e: (e["text"], e["label_index"]))


def test_unlabelled_ingest_keeps_only_the_text(tmp_path):
    import apache_beam as beam

    from tfpipe.pipelines.text.readers import read_corpus_file

    path = tmp_path / "c.txt"
    path.write_text("first line\nsecond line\n")
    with TestPipeline() as pipeline:
        out = pipeline | IngestText([str(path)], read_corpus_file, 0.01, 0, False)
        both = (out["train"], out["eval"]) | beam.Flatten()
        assert_that(both, equal_to([{"text": "first line"}, {"text": "second line"}]))

def test_distinct_labels_are_ordered_like_the_label_index():
    from tfpipe.pipelines.text.beam_ingest import DistinctLabels
    from tfpipe.pipelines.text.readers import Row

    fn = DistinctLabels()
    rows = [Row("t", label, "a.tsv", n) for n, label in enumerate(["10", "2", "10", "3"])]
    parts = [fn.add_input(fn.create_accumulator(), row) for row in rows]
    assert fn.extract_output(fn.merge_accumulators(parts)) == ("2", "3", "10")
    assert fn.extract_output(fn.create_accumulator()) == ()


def test_labels_inferred_from_an_empty_train_split_are_empty():
    import apache_beam as beam

    from tfpipe.pipelines.text.beam_ingest import LabelValues

    with TestPipeline() as root:
        assert_that(root | beam.Create([]) | LabelValues(None), equal_to([()]))
