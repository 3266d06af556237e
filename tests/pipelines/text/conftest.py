"""Tiny text files made here for the text-task tests."""
from __future__ import annotations

import pytest


def write_bytes(path, data: bytes) -> str:
    """Write raw bytes (to include invalid UTF-8) and return the path as str."""
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def mixed_tsv(tmp_path) -> str:
    """A headerless TSV with a stray quote, a NEL character and one row per bad reason."""
    return write_bytes(tmp_path / "reviews.tsv", (
        "Great food\t1\n"
        "\"Stray quote at the start\t0\n"
        "Ends with NEL\u0085 inside\t1\n"
        "   \t1\n"
        "no label here\t\n"
        "only one column\n").encode("utf-8") + b"bad \xff bytes\t0\n" + b"Fine again\t0\n")


@pytest.fixture
def labelled_csv(tmp_path) -> str:
    """A CSV with a header, quoted commas, and the label before the text."""
    return write_bytes(tmp_path / "reviews.csv", (
        "label,text\n"
        "pos,\"Lovely, truly lovely\"\n"
        "neg,Awful\n"
        "meh,Unknown label\n").encode("utf-8"))


@pytest.fixture
def labelled_jsonl(tmp_path) -> str:
    """JSON Lines with a malformed line and a numeric label."""
    return write_bytes(tmp_path / "reviews.jsonl", (
        '{"text": "Good", "label": 1}\n'
        '{"text": "Bad", "label": 0}\n'
        'not json\n'
        '{"text": "", "label": 1}\n').encode("utf-8"))
