"""The embedded default data: a seeded, templated sentiment corpus generated offline."""
from __future__ import annotations

import os
import random

from tfpipe.files import write_if_changed

SUBJECTS = ("the movie", "this phone", "the food", "the service", "the plot", "the battery",
            "the staff", "this album", "the camera", "the soup", "the ending", "the hotel room",
            "the headset", "the acting", "the pizza", "this book", "the screen", "the waiter")
POSITIVE = ("great", "excellent", "wonderful", "delicious", "fantastic", "superb", "lovely",
            "brilliant", "amazing", "friendly", "charming", "reliable", "perfect", "enjoyable")
NEGATIVE = ("terrible", "awful", "boring", "bland", "horrible", "disappointing", "rude",
            "broken", "dreadful", "mediocre", "useless", "slow", "poor", "annoying")
INTENSIFIERS = ("", "", "really ", "very ", "truly ", "quite ", "so ")
LINKS = ("was", "is", "seemed", "felt")
OPENERS = ("", "", "", "Honestly, ", "Well, ", "I think ", "To be fair, ", "Overall ")
POSITIVE_TAILS = ("", ".", "!", " and I would recommend it.", " - I will be back!",
                  ", worth every penny.", " <br />Loved it.")
NEGATIVE_TAILS = ("", ".", "!", " and I want my money back.", " - never again.",
                  ", a waste of time.", " <br />Avoid it.")
FILLERS = ("", "", "", "I bought it last week. ", "We went there on Friday. ",
           "My friend suggested it. ")


def sentiment_sentence(rng: random.Random) -> tuple[str, str]:
    """One templated sentence and its label ('1' positive, '0' negative); negation flips."""
    positive = rng.random() < 0.5
    negated = rng.random() < 0.25
    word_positive = positive != negated
    adjective = rng.choice(POSITIVE if word_positive else NEGATIVE)
    link = rng.choice(LINKS) + (" not" if negated else "")
    tail = rng.choice(POSITIVE_TAILS if positive else NEGATIVE_TAILS)
    sentence = (f"{rng.choice(FILLERS)}{rng.choice(OPENERS)}{rng.choice(SUBJECTS)} {link} "
                f"{rng.choice(INTENSIFIERS)}{adjective}{tail}")
    return sentence[0].upper() + sentence[1:], "1" if positive else "0"


def sentiment_corpus(rows: int = 800, seed: int = 0) -> list[tuple[str, str]]:
    """A deterministic list of (sentence, label) pairs."""
    rng = random.Random(seed)
    return [sentiment_sentence(rng) for _ in range(rows)]


def write_default_sentiment(directory: str, rows: int = 800, seed: int = 0) -> str:
    """Write the corpus as a TSV with a header (text, label); return the file path."""
    path = os.path.join(directory, "sentiment.tsv")
    lines = ["text\tlabel"] + [f"{text}\t{label}" for text, label in sentiment_corpus(rows, seed)]
    content = "\n".join(lines) + "\n"
    return write_if_changed(path, content)
