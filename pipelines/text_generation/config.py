"""The text-generation task's keys: the text groups with defaults for next-word prediction."""
from __future__ import annotations

from dataclasses import dataclass

from tfpipe.errors import InputError
from tfpipe.pipelines.text.config import (AnalysisConfig, CleaningConfig, CorpusConfig,
                                          SplitConfig, TrainingConfig, VocabConfig,
                                          check_stopwords_file)
from tfpipe.settings import Settings, key


@dataclass(frozen=True)
class GenerationSettings(Settings, CorpusConfig, SplitConfig, CleaningConfig, VocabConfig,
                         TrainingConfig, AnalysisConfig):
    """Every key of the text-generation task.

    Generation wants every word of short lines: the longest line, a large vocabulary (words
    seen once become the OOV class, so the model learns how likely an unseen word is), and
    the last words kept when a line is cut.
    """

    eval_fraction: float = key(0.1, above=0.0, below=1.0)
    vocab_size: int = key(10000, at_least=1, at_most=10_000_000)
    min_frequency: int = key(2, at_least=1)
    length_percentile: float = key(100.0, above=0.0, at_most=100.0)
    max_sequence_length: int = key(30, at_least=2, at_most=100_000)
    truncating: str = key("pre", choices=("pre", "post"))
    units: int = key(96, at_least=1, at_most=100_000)
    dropout: float = key(0.0, at_least=0.0, below=1.0)
    epochs: int = key(40, at_least=1, at_most=100_000)
    learning_rate: float = key(0.01, above=0.0, at_most=10.0)
    patience: int = key(5, at_least=0, at_most=100_000)

    def check(self) -> None:
        """A sequence needs a prefix and the next word; a stopwords_file must be readable."""
        check_stopwords_file(self)
        if self.sequence_length is not None and self.sequence_length < 2:
            raise InputError(f"config sequence_length={self.sequence_length}: generation "
                             "needs >= 2 (a prefix and the next word)")
