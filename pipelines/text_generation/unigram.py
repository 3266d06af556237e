"""The unigram baseline: next words predicted by their train frequency alone."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Unigram:
    """Train next-word counts; unseen words share one add-one smoothed slot."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Number of train next words."""
        return sum(self.counts.values())

    def ranked(self, k: int) -> list[str]:
        """The k most frequent words (ties by word)."""
        return [w for w, _ in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]

    def log_prob(self, word: str) -> float:
        """Add-one smoothed log-probability over the train words plus one unseen slot."""
        return math.log((self.counts.get(word, 0) + 1) / (self.total + len(self.counts) + 1))


def next_words(tokens: list[str]) -> list[str]:
    """The words a line asks to predict: every token after the first."""
    return list(tokens[1:])


def count_next_words(lines: list[list[str]]) -> Unigram:
    """A Unigram from tokenized train lines."""
    return Unigram(dict(Counter(w for tokens in lines for w in next_words(tokens))))


def line_stats(tokens: list[str], unigram: Unigram) -> dict[str, float]:
    """Per-line sums the metrics aggregate: top-1 hits, top-5 hits, log-prob, next words."""
    top1, top5 = set(unigram.ranked(1)), set(unigram.ranked(5))
    words = next_words(tokens)
    return {"unigram_top1_hits": float(sum(w in top1 for w in words)),
            "unigram_top5_hits": float(sum(w in top5 for w in words)),
            "unigram_log_prob": float(sum(unigram.log_prob(w) for w in words)),
            "next_words": float(len(words))}
