"""Typed configuration for the text tasks, built from `--set key=value` style dicts."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("csv", "tsv", "jsonl")
MODELS = ("pooled", "bilstm", "conv1d")
PAD_SIDES = ("pre", "post")

# Default file patterns for a folder of inputs, by format.
DEFAULT_PATTERNS = {
    "csv": ("*.csv",),
    "tsv": ("*.tsv", "*.txt"),
    "jsonl": ("*.jsonl", "*.json"),
    "lines": ("*.txt",),
}


@dataclass(frozen=True)
class ReaderConfig:
    """How raw files are read: format, header, quoting and the columns to use."""

    format: str | None = None            # csv | tsv | jsonl; None = from the file extension
    header: bool | None = None           # None = True for csv/tsv
    quoting: bool | None = None          # None = on for csv, off for tsv
    delimiter: str | None = None         # None = "," for csv, "\t" for tsv
    text_column: str | int | None = None  # name or 0-based position; None = "text" or 0
    label_column: str | int | None = None  # name or 0-based position; None = "label" or 1
    label_values: tuple[str, ...] | None = None  # None = inferred from the train split
    file_pattern: tuple[str, ...] | None = None  # glob(s) used when the data is a folder
    encoding: str = "utf-8"


@dataclass(frozen=True)
class SplitConfig:
    """Seeded train/eval split."""

    eval_fraction: float = 0.2
    split_seed: int = 0


@dataclass(frozen=True)
class CleaningConfig:
    """Text normalisation done inside the transform graph."""

    lowercase: bool = True
    strip_html: bool = True
    remove_punctuation: bool = True
    remove_stopwords: bool = False
    stopwords_file: str | None = None    # None = the list shipped with tfpipe


@dataclass(frozen=True)
class VocabConfig:
    """Vocabulary and sequence shaping done inside the transform graph."""

    vocab_size: int = 2000
    min_frequency: int = 1               # rarer train tokens fall into the OOV buckets
    oov_buckets: int = 1
    sequence_length: int | None = None   # None = percentile of train token counts
    length_percentile: float = 95.0
    max_sequence_length: int = 200
    truncating: str = "post"


@dataclass(frozen=True)
class ModelConfig:
    """Keras model choice and training hyper-parameters."""

    model: str = "conv1d"                # pooled | bilstm | conv1d
    embedding_dim: int | None = None     # None = about vocab_size ** 0.25
    units: int = 32
    dense_units: int = 24
    filters: int = 128
    kernel_size: int = 5
    dropout: float = 0.3
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 0.002
    seed: int = 0
    pretrained_embeddings: str | None = None  # local GloVe-format text file
    trainable_embeddings: bool = True


@dataclass(frozen=True)
class TextConfig:
    """Everything the text classification task reads from config."""

    reader: ReaderConfig = field(default_factory=ReaderConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    vocab: VocabConfig = field(default_factory=VocabConfig)
    model: ModelConfig = field(default_factory=ModelConfig)

    def validate(self) -> None:
        """Reject values of the right type but out of range."""
        if self.reader.format is not None and self.reader.format not in FORMATS:
            raise ValueError(f"config key 'format': expected one of {FORMATS}, "
                             f"got {self.reader.format!r}")
        validate_split(self.split)
        validate_vocab(self.vocab)
        validate_model(self.model)


def _coerce_bool(key: str, value: Any) -> bool:
    """Parse a boolean from a bool or a string such as 'false'."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"config key {key!r}: expected true/false, got {value!r}")


def _coerce_column(key: str, value: Any) -> str | int | None:
    """A column is an int position when it looks like one, else a name."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        raise ValueError(f"config key {key!r}: empty column name")
    return int(text) if text.lstrip("-").isdigit() else text


def _coerce_list(key: str, value: Any) -> tuple[str, ...] | None:
    """A list from a list or a comma-separated string."""
    if value is None:
        return None
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    result = tuple(str(v).strip() for v in items if str(v).strip())
    if not result:
        raise ValueError(f"config key {key!r}: expected a non-empty list, got {value!r}")
    return result


def _coerce(key: str, annotation: str, value: Any) -> Any:
    """Convert one raw value to the field's declared type."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "null")):
        if "None" in annotation:
            return None
        raise ValueError(f"config key {key!r} cannot be null")
    if annotation.startswith("bool"):
        return _coerce_bool(key, value)
    if annotation.startswith("str | int"):
        return _coerce_column(key, value)
    if annotation.startswith("tuple"):
        return _coerce_list(key, value)
    try:
        if annotation.startswith("int"):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if annotation.startswith("float"):
            return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"config key {key!r}: expected {annotation.split()[0]}, "
                         f"got {value!r}") from None
    return str(value)


def _section_default(section: dataclasses.Field) -> Any:
    """A section's default value: every section field has a default_factory."""
    if section.default_factory is dataclasses.MISSING:
        raise TypeError(f"config section {section.name!r} needs a default_factory")
    return section.default_factory()


def _field_index(config_type: type) -> dict[str, tuple[str, dataclasses.Field]]:
    """Map every flat key to (section, field)."""
    index: dict[str, tuple[str, dataclasses.Field]] = {}
    for section in dataclasses.fields(config_type):
        for f in dataclasses.fields(_section_default(section)):
            index[f.name] = (section.name, f)
    return index


def build_config(config_type: type, values: dict[str, Any],
                 defaults: dict[str, Any] | None = None) -> Any:
    """Build a sectioned config dataclass from flat keys, then validate it; unknown keys fail."""
    index = _field_index(config_type)
    merged = {**(defaults or {}), **values}
    unknown = sorted(k for k in merged if k not in index)
    if unknown:
        raise ValueError(f"unknown config key(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(index))}")
    per_section: dict[str, dict[str, Any]] = {}
    for key, value in merged.items():
        section, f = index[key]
        per_section.setdefault(section, {})[key] = _coerce(key, str(f.type), value)
    sections = {s.name: _section_default(s) for s in dataclasses.fields(config_type)}
    for name, updates in per_section.items():
        sections[name] = dataclasses.replace(sections[name], **updates)
    config = config_type(**sections)
    config.validate()
    return config


def text_config(values: dict[str, Any] | None = None) -> TextConfig:
    """The classification config from flat keys (e.g. the CLI's `--set` pairs)."""
    return build_config(TextConfig, values or {})


def flat_config(config: Any) -> dict[str, Any]:
    """Flatten a sectioned config back to the JSON-friendly flat keys."""
    flat: dict[str, Any] = {}
    for section in dataclasses.fields(config):
        for key, value in dataclasses.asdict(getattr(config, section.name)).items():
            flat[key] = list(value) if isinstance(value, tuple) else value
    return flat


def validate_split(split: SplitConfig) -> None:
    """eval_fraction must leave both splits non-empty in expectation."""
    if not 0.0 < split.eval_fraction < 1.0:
        raise ValueError(f"config key 'eval_fraction': expected 0 < x < 1, "
                         f"got {split.eval_fraction}")


def validate_vocab(vocab: VocabConfig) -> None:
    """Vocabulary and sequence settings in range."""
    for key in ("vocab_size", "min_frequency", "oov_buckets", "max_sequence_length"):
        if getattr(vocab, key) < 1:
            raise ValueError(f"config key {key!r}: expected >= 1, got {getattr(vocab, key)}")
    if vocab.sequence_length is not None and vocab.sequence_length < 1:
        raise ValueError(f"config key 'sequence_length': expected >= 1, "
                         f"got {vocab.sequence_length}")
    if not 0.0 < vocab.length_percentile <= 100.0:
        raise ValueError(f"config key 'length_percentile': expected 0 < p <= 100, "
                         f"got {vocab.length_percentile}")
    if vocab.truncating not in PAD_SIDES:
        raise ValueError(f"config key 'truncating': expected one of {PAD_SIDES}, "
                         f"got {vocab.truncating!r}")


def validate_model(model: Any) -> None:
    """Model choice and hyper-parameters in range (fields a model config lacks are skipped)."""
    name = getattr(model, "model", None)
    if name is not None and name not in MODELS:
        raise ValueError(f"config key 'model': expected one of {MODELS}, got {name!r}")
    pretrained = getattr(model, "pretrained_embeddings", None)
    if pretrained and not os.path.isfile(pretrained):
        raise ValueError(f"config key 'pretrained_embeddings': no such file {pretrained!r}")
    if not 0.0 <= model.dropout < 1.0:
        raise ValueError(f"config key 'dropout': expected 0 <= x < 1, got {model.dropout}")
    if model.learning_rate <= 0:
        raise ValueError(f"config key 'learning_rate': expected > 0, got {model.learning_rate}")
    for key in ("epochs", "batch_size", "units", "embedding_dim"):
        value = getattr(model, key, None)
        if value is not None and value < 1:
            raise ValueError(f"config key {key!r}: expected >= 1, got {value}")
