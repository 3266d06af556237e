"""The text tasks' keys, in groups both text tasks share; each task's settings mix the groups.

Each group is a frozen dataclass of flat keys, so a function that needs only the cleaning keys
takes a `CleaningConfig` and is handed the task's settings, which is one.
"""
from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from typing import Any, Callable

from tfpipe.errors import InputError
from tfpipe.pipelines.text.stopwords import load_stopwords
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


def parse_encoding(value: Any) -> str:
    """A text encoding Python knows, as given."""
    text = str(value).strip()
    try:
        codecs.lookup(text)
        # Decoding too, as the readers decode: lookup also finds bytes-to-bytes codecs
        # (base64), and a few text codecs (idna) refuse the readers' error handler. Four NUL
        # bytes decode in every file encoding, UTF-16 and UTF-32 included.
        b"\0\0\0\0".decode(text, errors="surrogateescape")
    except (LookupError, UnicodeError):
        raise ValueError("not a text encoding Python can read files in; use e.g. utf-8, "
                         "latin-1 or cp1252") from None
    return text


def parse_delimiter(value: Any) -> str | None:
    """One character that is not a line break; None (the format's own) for none/null."""
    if value is None or str(value).strip().lower() in {"none", "null"}:
        return None
    text = str(value)
    if len(text) != 1:
        raise ValueError("use one character (for tabs: format=tsv)")
    if text in "\r\n":
        raise ValueError("a line break cannot separate columns; use another character")
    return text


@dataclass(frozen=True)
class ReaderConfig:
    """How labelled files are read: format, header, quoting and the columns to use."""

    format: str | None = key(None, choices=FORMATS)  # None = from the extension or layout
    header: bool | None = None           # None = True for csv/tsv
    quoting: bool | None = None          # None = on for csv, off for tsv
    delimiter: str | None = key(None, parse=parse_delimiter)  # None = "," csv, "\t" tsv
    text_column: str | int | None = key(None, parse=parse_column)   # None = "text" or 0
    label_column: str | int | None = key(None, parse=parse_column)  # None = "label" or 1
    # The label set and its order (for class folders: the folders used); None = from train.
    label_values: tuple[str, ...] | None = key(None, parse=parse_list)
    file_pattern: tuple[str, ...] | None = key(None, parse=parse_list)  # globs for a folder
    encoding: str = key("utf-8", parse=parse_encoding)


@dataclass(frozen=True)
class CorpusConfig:
    """A plain-text corpus: one example per line."""

    file_pattern: tuple[str, ...] | None = key(None, parse=parse_list)  # globs for a folder
    encoding: str = key("utf-8", parse=parse_encoding)


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
        """Reader keys that agree, readable word files, and a local embeddings file."""
        check_reader(self)
        check_stopwords_file(self)
        check_pretrained_embeddings(self.pretrained_embeddings)


def check_reader(cfg: ReaderConfig) -> None:
    """Two distinct classes at least, distinct text and label columns, a usable delimiter."""
    check_label_values(cfg.label_values)
    if cfg.format != "folders":
        check_columns(cfg)
    quoting = cfg.quoting if cfg.quoting is not None else cfg.format in (None, "csv")
    if cfg.delimiter == '"' and quoting:
        raise InputError("config delimiter='\"': the quote character; set quoting=false to "
                         "separate columns with it")


def check_label_values(values: tuple[str, ...] | None) -> None:
    """label_values, when set, lists at least two classes, each once."""
    if values is None:
        return
    shown = ",".join(values)
    twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
    if twice is not None:
        raise InputError(f"config label_values={shown}: {twice!r} is listed twice; list "
                         "each class once")
    if len(values) < 2:
        raise InputError(f"config label_values={shown}: list at least two distinct classes "
                         "(a classifier needs two), or leave it unset to take them from train")


def check_columns(cfg: ReaderConfig) -> None:
    """The text and label columns, defaults filled as the readers fill them, differ."""
    # JSON Lines and files with a header default to names; headerless CSV/TSV to positions.
    positional = cfg.header is False and cfg.format != "jsonl"
    text = cfg.text_column if cfg.text_column is not None else (0 if positional else "text")
    label = cfg.label_column if cfg.label_column is not None else (1 if positional else "label")
    if text != label:
        return
    if cfg.text_column is None:
        raise InputError(f"config label_column={label!r}: the same column as text_column "
                         f"(default {text!r}); set text_column to the text's column")
    if cfg.label_column is None:
        raise InputError(f"config text_column={text!r}: the same column as label_column "
                         f"(default {label!r}); set label_column to the label's column")
    raise InputError(f"config label_column={label!r}: the same column as text_column; give "
                     "each its own column")


def check_stopwords_file(cfg: CleaningConfig) -> None:
    """A stopwords_file, when set, is a readable UTF-8 word list."""
    if cfg.stopwords_file is not None:
        check_local_file("stopwords_file", cfg.stopwords_file,
                         "a local one-word-per-line UTF-8 text file", load_stopwords)


def check_pretrained_embeddings(path: str | None) -> None:
    """A pretrained embeddings file, when set, is local and starts with GloVe lines."""
    from tfpipe.pipelines.text.glove import check_glove_head  # numpy: not at CLI start

    if path:
        check_local_file("pretrained_embeddings", path, "a local GloVe-format text file",
                         check_glove_head)


def check_local_file(key: str, path: str, wanted: str, check: Callable[[str], Any]) -> None:
    """InputError naming `key` when `path` is no file or `check(path)` fails on it."""
    if not os.path.isfile(path):
        raise InputError(f"config {key}={path!r}: no such file (give {wanted})")
    try:
        check(path)
    except (OSError, ValueError) as error:
        raise InputError(f"config {key}={path!r}: {error}") from None
