"""Readers: rows a broken quote swallows, extra fields, JSON types, long fields, messages."""
from __future__ import annotations

import functools
import gzip
import json

import pytest

from tfpipe.components.ingest import check_quarantine
from tfpipe.errors import InputError
from tfpipe.pipelines.text.config import ReaderConfig
from tfpipe.pipelines.text.readers import (EXPLANATIONS, REASONS, Quarantined, Row,
                                           check_files_have_rows, read_labelled_file)


def split(items):
    rows = [i for i in items if isinstance(i, Row)]
    bad = [i for i in items if isinstance(i, Quarantined)]
    return rows, bad


def read(path, **values):
    return split(list(read_labelled_file(str(path), ReaderConfig(**values))))


def reviews(count: int) -> list[str]:
    return [f"review {i} was {'good' if i % 2 else 'bad'},{'pos' if i % 2 else 'neg'}"
            for i in range(count)]


def test_an_unclosed_quote_quarantines_every_line_it_swallows_from_where_it_opened(tmp_path):
    lines = reviews(200)
    lines[50] = '"this movie was really great and nice,pos'  # file line 52
    path = tmp_path / "quote.csv"
    path.write_text("text,label\n" + "\n".join(lines) + "\n")
    rows, bad = read(path)
    assert len(rows) == 50
    assert [q.row for q in bad] == list(range(52, 202))
    assert {q.reason for q in bad} == {"unclosed_quote"}
    assert bad[0].raw == '"this movie was really great and nice,pos'
    assert "line 52" in bad[0].detail and "quote" in bad[0].detail
    assert bad[1].raw == lines[51] and "line 52" in bad[1].detail
    stats = {"train": {"count": 40}, "eval": {"count": 10}}
    with pytest.raises(InputError, match=r"quote.csv row 52: unclosed_quote") as raised:
        check_quarantine(str(path), [q.to_json() for q in bad], stats, 0.5)
    message = str(raised.value)
    assert "a quote was probably left open; close it, or set quoting=false" in message
    assert message.endswith("and 149 more problems: 150 of 200 records are bad, above "
                            "max_bad_fraction 0.5")


def test_a_quote_closed_on_a_later_line_is_still_an_unclosed_quote(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('text,label\n"opened here,pos\nfine,neg\n"quoted",neg\nlast,pos\n')
    rows, bad = read(path)
    assert [(r.text, r.row) for r in rows] == [("last", 5)]
    assert [(q.row, q.reason) for q in bad] == [(2, "unclosed_quote"), (3, "unclosed_quote"),
                                                (4, "unclosed_quote")]


def test_a_quoted_field_over_several_lines_is_one_row_named_by_its_first_line(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('text,label\n"first line\nsecond, line",pos\nnext,neg\n')
    rows, bad = read(path)
    assert [(r.text, r.label, r.row) for r in rows] == [("first line\nsecond, line", "pos", 2),
                                                        ("next", "neg", 4)]
    assert bad == []


def test_rows_with_another_field_count_than_the_header_are_quarantined(tmp_path):
    path = tmp_path / "fields.csv"
    path.write_text("text,label\nmovie 0 was great, honestly,pos\nextra,pos,zzz\n"
                    "fine,neg\nno label\n")
    rows, bad = read(path)
    assert [(r.text, r.label) for r in rows] == [("fine", "neg")]
    assert [(q.row, q.reason) for q in bad] == [(2, "wrong_field_count"),
                                                (3, "wrong_field_count"), (5, "missing_label")]
    assert bad[0].detail == "3 fields where the header has 2"


def test_tsv_without_header_expects_the_first_valid_rows_field_count(tmp_path):
    path = tmp_path / "fields.tsv"
    path.write_text("lonely\ngood\tpos\ttrain\nbad\tneg\textra\tmore\nok\tpos\tx\n")
    rows, bad = read(path, header=False)
    assert [r.text for r in rows] == ["good", "ok"]
    assert [(q.row, q.reason, q.detail) for q in bad] == [
        (1, "missing_label", ""),
        (3, "wrong_field_count", "4 fields where the first valid row has 3")]


def test_jsonl_values_must_be_a_string_text_and_a_string_or_integer_label(tmp_path):
    objects = [{"text": "a", "label": ["pos"]}, {"text": "b", "label": 1},
               {"text": "c", "label": 1.0}, {"text": "d", "label": True},
               {"text": "e", "label": 0}, {"text": "f", "label": False},
               {"text": {"nested": "obj"}, "label": "pos"}, {"text": 5, "label": "pos"},
               {"text": "g", "label": None}, {"text": None, "label": "neg"},
               {"text": "h", "label": "neg"}, {"text": "i"}]
    path = tmp_path / "types.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in objects))
    rows, bad = read(path)
    assert [(r.text, r.label) for r in rows] == [("b", "1"), ("e", "0"), ("h", "neg")]
    assert [(q.row, q.reason, q.detail) for q in bad] == [
        (1, "wrong_type", "label is a JSON array; give a string or an integer"),
        (3, "wrong_type", "label is a JSON number with a decimal point or exponent; give a string "
                           "or an integer"),
        (4, "wrong_type", "label is a JSON boolean; give a string or an integer"),
        (6, "wrong_type", "label is a JSON boolean; give a string or an integer"),
        (7, "wrong_type", "text is a JSON object; give a string"),
        (8, "wrong_type", "text is a JSON number; give a string"),
        (9, "wrong_type", "label is a JSON null; give a string or an integer"),
        (10, "wrong_type", "text is a JSON null; give a string"),
        (12, "missing_label", "")]


def test_every_reason_is_explained():
    assert set(EXPLANATIONS) == set(REASONS)


@pytest.mark.parametrize("fmt, delimiter", [("csv", ","), ("tsv", "\t")])
def test_a_field_over_the_default_csv_limit_is_read(tmp_path, fmt, delimiter):
    long_text = "word " * 40_000
    path = tmp_path / f"long.{fmt}"
    path.write_text(f"text{delimiter}label\nshort{delimiter}neg\n"
                    f"{long_text}{delimiter}pos\n{delimiter}pos\n")
    rows, bad = read(path)
    assert [(len(r.text), r.label) for r in rows] == [(5, "neg"), (len(long_text) - 1, "pos")]
    assert [(q.row, q.reason) for q in bad] == [(4, "empty_text")]


def test_a_file_of_another_encoding_is_told_to_set_the_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ncafé crème,pos\nnaïve,neg\n".encode("latin-1"))
    check = functools.partial(read_labelled_file, cfg=ReaderConfig())
    with pytest.raises(ValueError) as error:
        check_files_have_rows([str(path)], check)
    message = str(error.value)
    assert f"no valid row in {path} (2 invalid_utf8)" in message
    assert "--set encoding=" in message and "line 2" in message
    rows, bad = read(path, encoding="latin-1")
    assert [r.text for r in rows] == ["café crème", "naïve"] and bad == []


def test_a_gzip_file_named_csv_is_named_in_a_short_printable_line(tmp_path):
    path = tmp_path / "packed.csv"
    path.write_bytes(gzip.compress(("text,label\n" + "\n".join(reviews(50))).encode()))
    with pytest.raises(ValueError) as error:
        read(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert "gzip" in message and ".gz" in message
    assert len(message) < len(str(path)) + 300
    assert message.isprintable() and "\\udc" not in message


def test_a_binary_file_shows_a_short_printable_start(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\x00\x01\x02" + bytes(range(256)) * 4)
    with pytest.raises(ValueError) as error:
        read(path)
    message = str(error.value)
    assert message.startswith(f"{path}: column 'text' not in header; the file is not text "
                              '(it starts "\\x89PNG\\x00\\x01\\x02')
    assert message.isprintable() and "\\udc" not in message and len(message) < 300
