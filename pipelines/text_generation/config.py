"""Typed configuration for next-word generation, built from flat `--set` style keys."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tfpipe.pipelines.text.config import (CleaningConfig, SplitConfig, VocabConfig,
                                          build_config, validate_model, validate_split,
                                          validate_vocab)


@dataclass(frozen=True)
class CorpusConfig:
    """A plain-text corpus: one example per line."""

    file_pattern: tuple[str, ...] | None = None  # globs used when the data is a folder
    encoding: str = "utf-8"


@dataclass(frozen=True)
class LanguageModelConfig:
    """The bidirectional-LSTM language model and its training."""

    embedding_dim: int | None = None  # None = 4 x the fourth root of the vocabulary, >= 16
    units: int = 96
    dropout: float = 0.0
    epochs: int = 40
    batch_size: int = 32              # lines per batch; each line yields its n-gram prefixes
    learning_rate: float = 0.01
    seed: int = 0


# Generation wants every word of short lines: the longest line, a large vocabulary (words
# seen once become the OOV class, so the model learns how likely an unseen word is), and the
# last words kept when a line is cut.
GENERATION_DEFAULTS: dict[str, Any] = {
    "vocab_size": 10000, "min_frequency": 2, "length_percentile": 100.0,
    "max_sequence_length": 30,
    "truncating": "pre", "eval_fraction": 0.1,
}


@dataclass(frozen=True)
class GenerationConfig:
    """Everything the text-generation task reads from config."""

    reader: CorpusConfig = field(default_factory=CorpusConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    vocab: VocabConfig = field(default_factory=VocabConfig)
    model: LanguageModelConfig = field(default_factory=LanguageModelConfig)

    def validate(self) -> None:
        """Reject values of the right type but out of range."""
        validate_split(self.split)
        validate_vocab(self.vocab)
        validate_model(self.model)
        if self.vocab.sequence_length is not None and self.vocab.sequence_length < 2:
            raise ValueError("config key 'sequence_length': generation needs >= 2 "
                             "(a prefix and the next word)")


def generation_config(values: dict[str, Any] | None = None) -> GenerationConfig:
    """The generation config from flat keys, over the generation defaults."""
    return build_config(GenerationConfig, values or {}, GENERATION_DEFAULTS)
