"""Generation config: its own defaults over the shared text keys."""
from __future__ import annotations

import pytest

from tfpipe.errors import InputError
from tfpipe.pipelines.text_generation.config import GenerationSettings
from tfpipe.settings import parse


def test_generation_defaults_keep_whole_lines():
    cfg = parse(GenerationSettings, {})
    assert cfg.length_percentile == 100.0 and cfg.truncating == "pre"
    assert cfg.vocab_size == 10000
    assert parse(GenerationSettings, {"vocab_size": "50"}).vocab_size == 50


def test_generation_rejects_classification_keys_and_tiny_lengths():
    with pytest.raises(ValueError, match="unknown config key"):
        parse(GenerationSettings, {"label_column": "1"})
    with pytest.raises(ValueError, match="generation needs >= 2"):
        parse(GenerationSettings, {"sequence_length": 1})


@pytest.mark.parametrize("values, message", [
    ({"encoding": "foo-bar"}, "encoding='foo-bar': not a text encoding"),
    ({"stopwords_file": "/no/such/stopwords.txt"},
     "stopwords_file='/no/such/stopwords.txt': no such file"),
])
def test_generation_checks_reader_files_at_config_time(values, message):
    with pytest.raises(InputError, match=message):
        parse(GenerationSettings, values)
