"""Corpus ingest: one example per line, blank lines quarantined, unigram sums from train."""
from __future__ import annotations

from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tfpipe.pipelines.text.config import CleaningConfig, VocabConfig
from tfpipe.pipelines.text.split import assign_split
from tfpipe.pipelines.text_generation.beam_ingest import IngestCorpus


def test_lines_become_examples_with_unigram_sums(tmp_path):
    lines = [f"the cat sat on mat {i}" for i in range(30)]
    path = tmp_path / "corpus.txt"
    path.write_bytes(("\n".join(lines) + "\n\n").encode() + b"\xff\xfe\n")
    eval_lines = [l for l in lines if assign_split(l, 0.3, 1) == "eval"]
    with TestPipeline() as pipeline:
        out = pipeline | IngestCorpus([str(path)], "utf-8", 0.3, 1, CleaningConfig(),
                                      VocabConfig(min_frequency=2))
        # Train next words: cat, sat, on, mat once per train line; each line's number is seen
        # once, so it is out of vocabulary and never a hit. "cat" ties with sat/on/mat and is
        # first alphabetically -> the top-1 word is "cat"; the top 5 has only those four.
        assert_that(out["eval"] | "Stats" >> _stats(),
                    equal_to([(l, 5.0, 1.0, 4.0) for l in eval_lines]), label="EvalStats")
        assert_that(out["quarantine"] | "Reasons" >> _reasons(),
                    equal_to([(31, "empty_text"), (32, "invalid_utf8")]), label="Bad")


def _stats():
    import apache_beam as beam

    return beam.Map(lambda e: (e["text"], e["next_words"], e["unigram_top1_hits"],
                               e["unigram_top5_hits"]))


def _reasons():
    import apache_beam as beam

    return beam.Map(lambda q: (q["row"], q["reason"]))
