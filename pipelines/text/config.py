"""The text tasks' keys, in groups both text tasks share; each task's settings mix the groups.

Each group is a frozen dataclass of flat keys, so a function that needs only the cleaning keys
takes a `CleaningConfig` and is handed the task's settings, which is one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from tfpipe.errors import InputError
from tfpipe.settings import MAX_INT, Settings, key

FORMATS = ("csv", "tsv", "jsonl", "folders")  # folders: DIR/<class>/<one document a file>
MODELS = ("auto", "pooled", "bilstm", "conv1d")  # auto: by the fitted sequence length
PAD_SIDES = ("pre", "post")

# Default file patterns for a folder of inputs, by format.
DEFAULT_PATTERNS = {
    "csv": ("*.csv",),
    "tsv": ("*.tsv", "*.txt"),
    "jsonl": ("*.jsonl", "*.json"),
    "lines": ("*.txt",),
}


def parse_column(value: Any) -> str | int | None:
    """A column is an int position when it looks like one, else a name."""
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in {"none", "null"}:
        return None
    if not text:
        raise ValueError("empty column name; give a name or a 0-based position")
    return int(text) if text.lstrip("-").isdigit() else text


def parse_list(value: Any) -> tuple[str, ...] | None:
    """A non-empty list from a list or a comma-separated string."""
    if value is None or str(value).strip().lower() in {"none", "null"}:
        return None
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    result = tuple(str(v).strip() for v in items if str(v).strip())
    if not result:
        raise ValueError("expected a non-empty comma-separated list")
    return result


@dataclass(frozen=True)
class ReaderConfig:
    """How labelled files are read: format, header, quoting and the columns to use."""

    format: str | None = key(None, choices=FORMATS)  # None = from the extension or layout
    header: bool | None = None           # None = True for csv/tsv
    quoting: bool | None = None          # None = on for csv, off for tsv
    delimiter: str | None = None         # None = "," for csv, "\t" for tsv
    text_column: str | int | None = key(None, parse=parse_column)   # None = "text" or 0
    label_column: str | int | None = key(None, parse=parse_column)  # None = "label" or 1
    # The label set and its order (for class folders: the folders used); None = from train.
    label_values: tuple[str, ...] | None = key(None, parse=parse_list)
    file_pattern: tuple[str, ...] | None = key(None, parse=parse_list)  # globs for a folder
    encoding: str = "utf-8"


@dataclass(frozen=True)
class CorpusConfig:
    """A plain-text corpus: one example per line."""

    file_pattern: tuple[str, ...] | None = key(None, parse=parse_list)  # globs for a folder
    encoding: str = "utf-8"


@dataclass(frozen=True)
class SplitConfig:
    """Seeded train/eval split."""

    eval_fraction: float = key(0.2, above=0.0, below=1.0)
    split_seed: int = key(0, at_least=0, at_most=MAX_INT)


@dataclass(frozen=True)
class CleaningConfig:
    """Text normalisation done inside the transform graph."""

    lowercase: bool = True
    strip_html: bool = True
    remove_punctuation: bool = True
    remove_stopwords: bool = False
    stopwords_file: str | None = None    # None = the list shipped with tfpipe


@dataclass(frozen=True)
class AnalysisConfig:
    """How tf.Transform runs the preprocessing_fn while it fits."""

    # true: as one TF1-style graph, built once; false: as tf.functions, which tf.Transform
    # traces again for each phase and for the saved graph. Text ops behave the same either
    # way (benchmarks/RESULTS.md has the time saved).
    force_tf_compat_v1: bool = True


@dataclass(frozen=True)
class VocabConfig:
    """Vocabulary and sequence shaping done inside the transform graph.

    Sized from the train split: every word seen `min_frequency` times, at most `vocab_size`
    (about 2,000 on one-sentence reviews, the cap on long ones), and the `length_percentile`
    of train token counts, at most `max_sequence_length` (whole documents of a few pages).
    """

    vocab_size: int = key(20000, at_least=1, at_most=10_000_000)
    min_frequency: int = key(2, at_least=1, at_most=MAX_INT)  # rarer tokens: OOV buckets
    oov_buckets: int = key(1, at_least=1, at_most=100_000)
    sequence_length: int | None = key(None, at_least=1, at_most=100_000)  # None: percentile
    length_percentile: float = key(95.0, above=0.0, at_most=100.0)
    max_sequence_length: int = key(2000, at_least=1, at_most=100_000)
    truncating: str = key("post", choices=PAD_SIDES)


@dataclass(frozen=True)
class TrainingConfig:
    """Training hyper-parameters and early stopping, shared by both text tasks."""

    embedding_dim: int | None = key(None, at_least=1, at_most=100_000)  # None: from vocab
    units: int = key(32, at_least=1, at_most=100_000)
    dropout: float = key(0.3, at_least=0.0, below=1.0)
    epochs: int = key(30, at_least=1, at_most=100_000)  # a ceiling: early stopping ends runs
    batch_size: int = key(32, at_least=1, at_most=1_000_000)
    learning_rate: float = key(0.002, above=0.0, at_most=10.0)
    patience: int = key(3, at_least=0, at_most=100_000)
    validation_fraction: float = key(0.1, at_least=0.0, below=1.0)
    margin: float = key(0.05, at_least=0.0, below=1.0)
    max_bad_fraction: float = key(0.5, at_least=0.0, at_most=1.0)


@dataclass(frozen=True)
class ModelConfig(TrainingConfig):
    """The classifier's architecture on top of the shared training keys."""

    # auto: conv1d when the fitted sequence length is at most long_text_tokens (sentences:
    # word order matters, the convolution is cheap), pooled above it (long documents: a bag
    # of words carries the signal, and a convolution's cost grows with the length).
    model: str = key("auto", choices=MODELS)
    long_text_tokens: int = key(200, at_least=1, at_most=100_000)
    dense_units: int = key(24, at_least=1, at_most=100_000)
    filters: int = key(128, at_least=1, at_most=100_000)
    kernel_size: int = key(5, at_least=1, at_most=1_000)
    pretrained_embeddings: str | None = None  # local GloVe-format text file
    trainable_embeddings: bool = True


@dataclass(frozen=True)
class TextSettings(Settings, ReaderConfig, SplitConfig, CleaningConfig, VocabConfig,
                   ModelConfig, AnalysisConfig):
    """Every key of the text classification task."""

    min_accuracy: float = key(0.0, at_least=0.0, at_most=1.0)
    # Train applies the fitted transform graph to ingest's records in tf.data instead of
    # reading a transformed copy: token lookups are cheaper than writing and reading one.
    materialize: bool = False

    def check(self) -> None:
        """A pretrained embeddings file must exist (nothing is downloaded)."""
        if self.pretrained_embeddings and not os.path.isfile(self.pretrained_embeddings):
            raise InputError(f"config pretrained_embeddings={self.pretrained_embeddings!r}: "
                             "no such file (give a local GloVe-format text file)")
