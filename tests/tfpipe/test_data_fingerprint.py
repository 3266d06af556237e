"""Raw data fingerprints follow content, and unchanged files are not read again."""
from __future__ import annotations

import os

import pytest

from tfpipe import data_fingerprint
from tfpipe.data_fingerprint import fingerprint


def test_fingerprint_follows_content_not_path(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n")
    b.write_text("x\n1\n")
    assert fingerprint(str(a)) == fingerprint(str(b))
    b.write_text("x\n2\n")
    assert fingerprint(str(a)) != fingerprint(str(b))


def test_folder_fingerprint_sees_every_file(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "one.txt").write_text("1")
    before = fingerprint(str(tmp_path / "d"))
    (tmp_path / "d" / "two.txt").write_text("2")
    assert fingerprint(str(tmp_path / "d")) != before


def test_glob_fingerprint_covers_its_matches(tmp_path):
    for name in ("p1.csv", "p2.csv", "other.txt"):
        (tmp_path / name).write_text(name)
    before = fingerprint(str(tmp_path / "p*.csv"))
    (tmp_path / "other.txt").write_text("changed, but not matched")
    assert fingerprint(str(tmp_path / "p*.csv")) == before
    (tmp_path / "p2.csv").write_text("changed")
    assert fingerprint(str(tmp_path / "p*.csv")) != before
    with pytest.raises(FileNotFoundError, match="input data not found"):
        fingerprint(str(tmp_path / "nothing*.csv"))


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    data, memo = tmp_path / "data", str(tmp_path / "work" / data_fingerprint.MEMO_NAME)
    data.mkdir()
    for index in range(3):
        (data / f"{index}.txt").write_text(f"row {index}\n")
    reads: list[str] = []
    real = data_fingerprint.content_digest
    monkeypatch.setattr(data_fingerprint, "content_digest",
                        lambda path: reads.append(os.path.basename(path)) or real(path))
    first = fingerprint(str(data), memo)
    assert sorted(reads) == ["0.txt", "1.txt", "2.txt"]
    reads.clear()
    assert fingerprint(str(data), memo) == first and reads == []
    (data / "1.txt").write_text("row one, edited\n")
    changed = fingerprint(str(data), memo)
    assert reads == ["1.txt"] and changed != first
    os.remove(memo)  # without the memo every file is read again, to the same fingerprint
    reads.clear()
    assert fingerprint(str(data), memo) == changed and len(reads) == 3


def test_a_damaged_memo_costs_only_a_re_read(tmp_path):
    (tmp_path / "a.csv").write_text("x\n")
    memo = tmp_path / data_fingerprint.MEMO_NAME
    memo.write_text("{not json")
    assert fingerprint(str(tmp_path / "a.csv"), str(memo)) == fingerprint(str(tmp_path / "a.csv"))
