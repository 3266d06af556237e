"""Per-line next-word sums in the graph, metrics from them, and the unigram baseline."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tfpipe.pipelines.text_generation.next_word_metrics import next_word_metrics
from tfpipe.pipelines.text_generation.scoring import line_scores, metrics_from_stats, stack_stats
from tfpipe.pipelines.text_generation.unigram import (OOV_CLASS, count_next_words, line_stats,
                                                     vocabulary)


def test_line_sums_agree_with_flat_metrics():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(12), size=9).astype(np.float32)
    labels = rng.integers(1, 10, size=9)
    rows = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    stats = stack_stats({k: v.numpy() for k, v in line_scores(
        probabilities, labels, rows, 4, oov_start=12).items()})
    assert stats.shape == (4, 4) and stats[3].tolist() == [0, 0, 0, 0]
    flat = next_word_metrics(labels, probabilities)
    got = metrics_from_stats(stats)
    for key in ("top1_accuracy", "top5_accuracy", "perplexity"):
        assert got[key] == pytest.approx(flat[key], rel=1e-5)


def test_out_of_vocabulary_next_words_never_count_as_hits():
    probabilities = np.array([[0.0, 0.1, 0.9]], dtype=np.float32)
    stats = {k: v.numpy() for k, v in line_scores(probabilities, np.array([2]), np.array([0]),
                                                   1, oov_start=2).items()}
    assert stats["top1_hits"][0] == 0 and stats["top5_hits"][0] == 0
    assert stats["log_prob"][0] == pytest.approx(math.log(0.9))


def test_metrics_need_at_least_one_next_word():
    with pytest.raises(ValueError, match="no next words"):
        metrics_from_stats(np.zeros((3, 4)))


def test_unigram_line_stats_by_hand():
    words = vocabulary({"a": 1, "b": 3, "c": 1, "d": 2, "x": 1}, vocab_size=10, min_frequency=2)
    assert words == {"b", "d"}
    unigram = count_next_words([["a", "b", "b"], ["c", "b", "d"], ["x", "d"], ["b", "a"]], words)
    assert unigram.counts == {"b": 3, "d": 2, OOV_CLASS: 1} and unigram.ranked(5) == ["b", "d"]
    stats = line_stats(["z", "b", "d", "q"], unigram, words)
    assert stats["next_words"] == 3
    assert stats["unigram_top1_hits"] == 1 and stats["unigram_top5_hits"] == 2
    # add-one over 6 train next words and 3 classes (b, d, OOV): /9; "q" is the OOV class
    assert stats["unigram_log_prob"] == pytest.approx(math.log(4 / 9 * 3 / 9 * 2 / 9))


def test_vocabulary_keeps_the_top_words_by_count_then_name():
    assert vocabulary({"b": 2, "a": 2, "c": 5}, vocab_size=2, min_frequency=1) == {"c", "a"}
