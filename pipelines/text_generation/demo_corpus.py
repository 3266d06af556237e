"""The embedded default corpus: seeded, templated ballad lines generated offline."""
from __future__ import annotations

import os
import random

from tfpipe.files import write_if_changed

PLACES = ("galway", "dublin", "athy", "kerry", "the glen", "the valley", "the harbour",
          "the mountain", "the river shannon", "the county clare")
PEOPLE = ("maiden", "sailor", "soldier", "lassie", "farmer", "piper", "fiddler", "widow")
ADJECTIVES = ("fair", "young", "bonny", "wild", "gentle", "lonely", "bold", "merry")
THINGS = ("heather", "morning", "river", "harbour", "green fields", "moonlight", "rose",
          "meadow")
VERBS = ("wandered", "sang", "danced", "waited", "wept", "roamed", "dreamed")
TEMPLATES = (
    "in the town of {place} there lived a {adj} {person}",
    "and {pronoun} {verb} by the {thing} all the day",
    "oh the {thing} of {place} is {adj} in the morning",
    "i will go back to {place} when the {thing} is {adj}",
    "my {adj} {person} {verb} down by the {thing}",
    "come all ye {adj} {people} and listen to my song",
    "{pronoun} {verb} away from {place} and never came home",
    "farewell to the {thing} and the {adj} hills of {place}",
)


def ballad_line(rng: random.Random) -> str:
    """One line from a random template with random fillers."""
    return rng.choice(TEMPLATES).format(
        place=rng.choice(PLACES), adj=rng.choice(ADJECTIVES), person=rng.choice(PEOPLE),
        people=rng.choice(PEOPLE) + "s", thing=rng.choice(THINGS), verb=rng.choice(VERBS),
        pronoun=rng.choice(("she", "he", "we")))


def ballad_corpus(lines: int = 600, seed: int = 0) -> list[str]:
    """A deterministic list of lines."""
    rng = random.Random(seed)
    return [ballad_line(rng) for _ in range(lines)]


def write_default_corpus(directory: str, lines: int = 600, seed: int = 0) -> str:
    """Write the corpus one line per example; return the file path."""
    path = os.path.join(directory, "ballads.txt")
    content = "\n".join(ballad_corpus(lines, seed)) + "\n"
    return write_if_changed(path, content)
