"""Text settings: flat keys to typed values, with errors naming the key."""
from __future__ import annotations

import pytest

from tfpipe.pipelines.text.config import TextSettings
from tfpipe.settings import defaults, parse


def test_cli_strings_become_typed_values():
    cfg = parse(TextSettings, {"format": "tsv", "header": "false", "text_column": "0",
                               "label_column": "label", "label_values": "neg, pos",
                               "eval_fraction": "0.25", "vocab_size": "500"})
    assert cfg.header is False and cfg.text_column == 0
    assert cfg.label_column == "label"
    assert cfg.label_values == ("neg", "pos")
    assert cfg.eval_fraction == 0.25 and cfg.vocab_size == 500


def test_defaults_parse_to_the_default_settings():
    assert parse(TextSettings, defaults(TextSettings)) == TextSettings()
    cfg = parse(TextSettings, {"label_values": ["a", "b"], "model": "conv1d"})
    assert cfg.label_values == ("a", "b")


@pytest.mark.parametrize("values, message", [
    ({"bogus": 1}, "unknown config key(s) bogus"),
    ({"epochs": "many"}, "epochs='many': expected int"),
    ({"header": "maybe"}, "header='maybe': expected bool"),
    ({"eval_fraction": 1.5}, "eval_fraction=1.5: must be < 1.0"),
    ({"model": "transformer"}, "model='transformer': choose one of"),
    ({"format": "xml"}, "format='xml'"),
    ({"truncating": "middle"}, "truncating='middle'"),
    ({"text_column": " "}, "text_column=' ': empty column name"),
    ({"label_values": ","}, "label_values=',': expected a non-empty"),
    ({"batch_size": "99999999999999999999"}, "batch_size=99999999999999999999: must be <="),
    ({"pretrained_embeddings": "/no/such/glove.txt"}, "no such file"),
])
def test_bad_values_name_the_key(values, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(TextSettings, values)
