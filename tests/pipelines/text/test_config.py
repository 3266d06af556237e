"""Text settings: flat keys to typed values, with errors naming the key."""
from __future__ import annotations

import pytest

from tfpipe.errors import InputError
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


def _write(path, data: bytes) -> str:
    """Write raw bytes and return the path as str."""
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("values, message", [
    ({"encoding": "foo-bar"}, "encoding='foo-bar': not a text encoding"),
    ({"encoding": "base64"}, "encoding='base64': not a text encoding"),
    ({"delimiter": ";;"}, "delimiter=';;': use one character"),
    ({"delimiter": ""}, "delimiter='': use one character"),
    ({"delimiter": "\n"}, r"delimiter='\\n': a line break"),
    ({"delimiter": '"'}, "delimiter='\"': the quote character; set quoting=false"),
    ({"label_values": "pos,pos,neg"}, "label_values=pos,pos,neg: 'pos' is listed twice"),
    ({"label_values": "pos"}, "label_values=pos: list at least two distinct classes"),
    ({"label_column": "text"}, "label_column='text': the same column as text_column"),
    ({"text_column": "label"}, "text_column='label': the same column as label_column"),
    ({"text_column": "review", "label_column": "review"}, "the same column as text_column"),
    ({"header": "false", "label_column": "0"}, "label_column=0: the same column as"),
    ({"stopwords_file": "/no/such/stopwords.txt"},
     "stopwords_file='/no/such/stopwords.txt': no such file"),
])
def test_bad_reader_values_fail_at_config_time(values, message):
    with pytest.raises(InputError, match=message):
        parse(TextSettings, values)


def test_good_reader_values_still_parse():
    cfg = parse(TextSettings, {"encoding": "latin-1", "delimiter": ";", "label_values": "a,b",
                               "quoting": "false", "label_column": "0", "text_column": "1"})
    assert cfg.encoding == "latin-1" and cfg.delimiter == ";"
    assert parse(TextSettings, {"delimiter": '"', "quoting": "false"}).delimiter == '"'
    # jsonl ignores header: its default text column is a name, not position 0
    assert parse(TextSettings, {"format": "jsonl", "header": "false",
                                "label_column": "0"}).label_column == 0


def test_binary_stopwords_file_is_named_at_config_time(tmp_path):
    path = _write(tmp_path / "stop.txt", b"the\n\xeb\xff\x00binary\n")
    with pytest.raises(InputError) as caught:
        parse(TextSettings, {"stopwords_file": path, "remove_stopwords": "true"})
    message = str(caught.value)
    assert message.startswith(f"config stopwords_file={path!r}: {path}: not UTF-8 text")
    assert "\n" not in message
    good = _write(tmp_path / "good.txt", b"the\na\n")
    assert parse(TextSettings, {"stopwords_file": good}).stopwords_file == good


@pytest.mark.parametrize("content, message", [
    (b"", "no vectors found"),
    (b"400000 3\ngood 1 2 3\n", "line 2 has 3 values, expected 1"),
    (b"good 1 2 3\nbad 1 x 3\n", "line 2: non-numeric vector value"),
])
def test_malformed_glove_head_fails_at_config_time(tmp_path, content, message):
    path = _write(tmp_path / "glove.txt", content)
    with pytest.raises(InputError, match=f"config pretrained_embeddings='{path}': {path}: "
                                         f"{message}"):
        parse(TextSettings, {"pretrained_embeddings": path})
