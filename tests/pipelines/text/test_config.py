"""Config parsing: flat keys to typed sections, with errors naming the key."""
from __future__ import annotations

import pytest

from tfpipe.pipelines.text.config import flat_config, text_config


def test_cli_strings_become_typed_values():
    cfg = text_config({"format": "tsv", "header": "false", "text_column": "0",
                       "label_column": "label", "label_values": "neg, pos",
                       "eval_fraction": "0.25", "vocab_size": "500"})
    assert cfg.reader.header is False and cfg.reader.text_column == 0
    assert cfg.reader.label_column == "label"
    assert cfg.reader.label_values == ("neg", "pos")
    assert cfg.split.eval_fraction == 0.25 and cfg.vocab.vocab_size == 500


def test_flat_config_round_trips():
    cfg = text_config({"label_values": ["a", "b"], "model": "conv1d"})
    assert text_config(flat_config(cfg)) == cfg


@pytest.mark.parametrize("values, message", [
    ({"bogus": 1}, "unknown config key(s) bogus"),
    ({"epochs": "many"}, "'epochs': expected int"),
    ({"header": "maybe"}, "'header': expected true/false"),
    ({"eval_fraction": 1.5}, "'eval_fraction'"),
    ({"model": "transformer"}, "'model': expected one of"),
    ({"format": "xml"}, "'format'"),
    ({"truncating": "middle"}, "'truncating'"),
    ({"pretrained_embeddings": "/no/such/glove.txt"}, "no such file"),
])
def test_bad_values_name_the_key(values, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        text_config(values)
