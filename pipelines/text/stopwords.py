"""The project's stop-word list, loaded from a plain text file."""
from __future__ import annotations

import io
import os

DEFAULT_STOPWORDS_FILE = os.path.join(os.path.dirname(__file__), "stopwords.txt")


def _read_text(path: str) -> str:
    """The file as UTF-8 text; ValueError naming the file and the first bad byte."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                         f"{error.start}); give a one-word-per-line UTF-8 file") from None


def load_stopwords(path: str | None = None) -> tuple[str, ...]:
    """Words from a one-word-per-line file; '#' starts a comment; sorted and distinct."""
    path = path or DEFAULT_STOPWORDS_FILE
    if not os.path.isfile(path):
        raise FileNotFoundError(f"stop-word file {path!r} does not exist")
    words: set[str] = set()
    for line in io.StringIO(_read_text(path), newline=None):  # \n, \r\n or \r, as open()
        word = line.split("#", 1)[0].strip().lower()
        if word:
            if any(ch.isspace() for ch in word):
                raise ValueError(f"{path}: stop-word entry {word!r} contains whitespace")
            words.add(word)
    if not words:
        raise ValueError(f"stop-word file {path!r} lists no words")
    return tuple(sorted(words))
