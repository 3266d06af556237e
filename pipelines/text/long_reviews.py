"""Seeded synthetic long reviews in class folders, whose verdict comes late (tests, benchmarks).

Every review opens with at least `late` words of plot summary drawn from one neutral
pseudo-word vocabulary whatever the class, so nothing before word `late` tells the classes
apart; opinion words (three in four of the review's polarity) and a verdict follow later.
A model that reads only the first 200 words cannot beat the majority class on it; one that
reads whole reviews can. Synthetic: no figure on it stands in for real reviews.
"""
from __future__ import annotations

import os
import random

from tfpipe.pipelines.text.demo_corpus import NEGATIVE, POSITIVE

CLASSES = ("neg", "pos")
_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "n", "r", "s", "l", "m")
OPINION_RATE = 0.03  # share of the words after `late` that are opinion words
VERDICTS = ("all in all it was", "in the end the film is", "my verdict it was",
            "to sum up the whole thing felt")


def filler_words(count: int = 3000) -> list[str]:
    """`count` distinct neutral pseudo-words (two syllables), in a fixed order."""
    syllables = [o + v + c for o in _ONSETS for v in _VOWELS for c in _CODAS]
    words = [a + b for a in syllables for b in syllables[::7]]
    return random.Random(0).sample(words, count)


def review(rng: random.Random, positive: bool, words: int, late: int,
           vocabulary: list[str], weights: list[float]) -> str:
    """One review of about `words` words; opinion words only from word `late` on."""
    own, other = (POSITIVE, NEGATIVE) if positive else (NEGATIVE, POSITIVE)

    def opinion() -> str:
        """Mostly the review's polarity; a quarter of the time the other (mixed reviews)."""
        return rng.choice(own if rng.random() < 0.75 else other)

    tokens = rng.choices(vocabulary, weights, k=words)
    for index in range(late, words):
        if rng.random() < OPINION_RATE:
            tokens[index] = opinion()
    verdict_at = rng.randint(late, max(late, words - 12))
    tokens[verdict_at:verdict_at] = rng.choice(VERDICTS).split() + [opinion() for _ in range(3)]
    sentences, start = [], 0
    while start < len(tokens):
        end = min(len(tokens), start + rng.randint(8, 20))
        sentences.append(" ".join(tokens[start:end]).capitalize() + ".")
        start = end
    return " ".join(sentences)


def long_reviews(count: int, seed: int = 0, min_words: int = 400, max_words: int = 1000,
                 late: int = 220) -> list[tuple[str, str]]:
    """`count` (review, class) pairs, classes alternating, lengths uniform in the range."""
    if late >= min_words:
        raise ValueError(f"late={late} must be below min_words={min_words}")
    rng = random.Random(seed)
    vocabulary = filler_words()
    weights = [1.0 / (rank + 10) for rank in range(len(vocabulary))]  # Zipf-like
    return [(review(rng, index % 2 == 1, rng.randint(min_words, max_words), late,
                    vocabulary, weights), CLASSES[index % 2]) for index in range(count)]


def write_class_folders(root: str, reviews: list[tuple[str, str]]) -> str:
    """One `.txt` file per review under root/<class>/; returns root."""
    for index, (text, label) in enumerate(reviews):
        folder = os.path.join(root, label)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{index:05d}.txt"), "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return root
