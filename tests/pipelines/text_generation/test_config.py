"""Generation config: its own defaults over the shared text keys."""
from __future__ import annotations

import pytest

from tfpipe.pipelines.text_generation.config import generation_config


def test_generation_defaults_keep_whole_lines():
    cfg = generation_config()
    assert cfg.vocab.length_percentile == 100.0 and cfg.vocab.truncating == "pre"
    assert cfg.vocab.vocab_size == 10000
    assert generation_config({"vocab_size": "50"}).vocab.vocab_size == 50


def test_generation_rejects_classification_keys_and_tiny_lengths():
    with pytest.raises(ValueError, match="unknown config key"):
        generation_config({"label_column": "1"})
    with pytest.raises(ValueError, match="generation needs >= 2"):
        generation_config({"sequence_length": 1})
