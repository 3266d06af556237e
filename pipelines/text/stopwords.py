"""The project's stop-word list, loaded from a plain text file."""
from __future__ import annotations

import os

DEFAULT_STOPWORDS_FILE = os.path.join(os.path.dirname(__file__), "stopwords.txt")


def load_stopwords(path: str | None = None) -> tuple[str, ...]:
    """Words from a one-word-per-line file; '#' starts a comment; sorted and distinct."""
    path = path or DEFAULT_STOPWORDS_FILE
    if not os.path.isfile(path):
        raise FileNotFoundError(f"stop-word file {path!r} does not exist")
    words: set[str] = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word = line.split("#", 1)[0].strip().lower()
            if word:
                if any(ch.isspace() for ch in word):
                    raise ValueError(f"{path}: stop-word entry {word!r} contains whitespace")
                words.add(word)
    if not words:
        raise ValueError(f"stop-word file {path!r} lists no words")
    return tuple(sorted(words))
