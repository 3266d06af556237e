"""The unigram baseline: next words predicted by their train frequency alone.

It sees words the way the model does: words outside the transform's vocabulary (rarer than
`min_frequency` or beyond the top `vocab_size`) are one out-of-vocabulary class, which is
never a hit (as for the model) but has a probability for perplexity.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

OOV_CLASS = "\x00oov"


def vocabulary(token_counts: dict[str, int], vocab_size: int, min_frequency: int) -> frozenset:
    """The top `vocab_size` train tokens seen at least `min_frequency` times."""
    kept = [(w, n) for w, n in token_counts.items() if n >= min_frequency]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return frozenset(w for w, _ in kept[:vocab_size])


def word_class(word: str, words: frozenset) -> str:
    """The word itself when in the vocabulary, else the out-of-vocabulary class."""
    return word if word in words else OOV_CLASS


@dataclass(frozen=True)
class Unigram:
    """Train next-word counts per class, add-one smoothed over every class."""

    counts: dict[str, int]
    classes: int  # vocabulary size + 1 (the out-of-vocabulary class)

    @property
    def total(self) -> int:
        """Number of train next words."""
        return sum(self.counts.values())

    def ranked(self, k: int) -> list[str]:
        """The k most frequent vocabulary words (ties by word); never the OOV class."""
        words = [(w, n) for w, n in self.counts.items() if w != OOV_CLASS]
        return [w for w, _ in sorted(words, key=lambda kv: (-kv[1], kv[0]))[:k]]

    def log_prob(self, cls: str) -> float:
        """Add-one smoothed log-probability of a class."""
        return math.log((self.counts.get(cls, 0) + 1) / (self.total + self.classes))


def next_words(tokens: list[str]) -> list[str]:
    """The words a line asks to predict: every token after the first."""
    return list(tokens[1:])


def count_next_words(lines: Iterable[list[str]], words: frozenset) -> Unigram:
    """A Unigram from tokenized train lines and the vocabulary."""
    counts = Counter(word_class(w, words) for tokens in lines for w in next_words(tokens))
    return Unigram(dict(counts), len(words) + 1)


def line_stats(tokens: list[str], unigram: Unigram, words: frozenset) -> dict[str, float]:
    """Per-line sums the metrics aggregate: top-1 hits, top-5 hits, log-prob, next words."""
    top1, top5 = set(unigram.ranked(1)), set(unigram.ranked(5))
    classes = [word_class(w, words) for w in next_words(tokens)]
    return {"unigram_top1_hits": float(sum(c in top1 for c in classes)),
            "unigram_top5_hits": float(sum(c in top5 for c in classes)),
            "unigram_log_prob": float(sum(unigram.log_prob(c) for c in classes)),
            "next_words": float(len(classes))}
