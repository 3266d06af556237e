"""Pretrained word vectors from a local GloVe-format text file ('word v1 v2 ... vd')."""
from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np

# Lines `check_glove_head` reads up front: enough to catch a header line or a wrong format.
HEAD_LINES = 5


def _vector_lines(path: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line number, word, values) of each line with a word and at least one value."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").rstrip().split(" ")
            if len(parts) >= 2:
                yield number, parts[0], parts[1:]


def _vector(path: str, number: int, values: list[str]) -> np.ndarray:
    """One line's values as float32; ValueError naming the file and line."""
    try:
        return np.asarray(values, dtype=np.float32)
    except ValueError:
        raise ValueError(f"{path}: line {number}: non-numeric vector value") from None


def read_glove(path: str, wanted: set[str] | None = None, limit: int | None = None
               ) -> tuple[dict[str, np.ndarray], int]:
    """Vectors for the wanted words (all when None) and their size, which must not vary.

    `limit` stops after that many vector lines.
    """
    vectors: dict[str, np.ndarray] = {}
    dim = None
    for number, word, values in itertools.islice(_vector_lines(path), limit):
        if dim is None:
            dim = len(values)
        elif len(values) != dim:
            raise ValueError(f"{path}: line {number} has {len(values)} values, "
                             f"expected {dim}")
        if wanted is None or word in wanted:
            vectors[word] = _vector(path, number, values)
    if dim is None:
        raise ValueError(f"{path}: no vectors found (expected 'word v1 v2 ...' lines)")
    return vectors, dim


def check_glove_head(path: str) -> None:
    """The first lines are 'word v1 ... vd' with numbers and one size; ValueError if not."""
    read_glove(path, limit=HEAD_LINES)


def embedding_matrix(path: str, vocabulary: list[str], num_tokens: int, seed: int = 0
                     ) -> tuple[np.ndarray, float]:
    """Rows per token id (0 = padding, 1.. = vocabulary, then OOV) and the vocabulary coverage."""
    vectors, dim = read_glove(path, set(vocabulary))
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.1, size=(num_tokens, dim)).astype(np.float32)
    matrix[0] = 0.0
    found = 0
    for index, word in enumerate(vocabulary, start=1):
        if word in vectors:
            matrix[index] = vectors[word]
            found += 1
    return matrix, found / max(1, len(vocabulary))
