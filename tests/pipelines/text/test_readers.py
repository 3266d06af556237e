"""Readers: CSV/TSV/JSONL rows, columns by name or position, and quarantine reasons."""
from __future__ import annotations

import functools

import pytest

from tfpipe.pipelines.text.config import ReaderConfig
from tfpipe.pipelines.text.readers import (Quarantined, Row, check_files_have_rows,
                                           estimated_rows, list_input_files,
                                           read_corpus_file, read_labelled_file)


def split(items):
    rows = [i for i in items if isinstance(i, Row)]
    bad = [i for i in items if isinstance(i, Quarantined)]
    return rows, bad


def test_tsv_without_quoting_keeps_stray_quotes_and_quarantines_bad_rows(mixed_tsv):
    rows, bad = split(list(read_labelled_file(
        mixed_tsv, ReaderConfig(format="tsv", header=False, text_column=0, label_column=1))))
    assert [r.text for r in rows] == ["Great food", "\"Stray quote at the start",
                                      "Ends with NEL\u0085 inside", "Fine again"]
    assert [r.label for r in rows] == ["1", "0", "1", "0"]
    assert {(q.row, q.reason) for q in bad} == {
        (4, "empty_text"), (5, "missing_label"), (6, "missing_label"), (7, "invalid_utf8")}
    assert "\\xff" in next(q.raw for q in bad if q.reason == "invalid_utf8")


def test_csv_columns_by_name_with_quoted_commas(labelled_csv):
    rows, bad = split(list(read_labelled_file(labelled_csv, ReaderConfig())))
    assert [(r.text, r.label) for r in rows] == [("Lovely, truly lovely", "pos"),
                                                 ("Awful", "neg"), ("Unknown label", "meh")]
    assert bad == []


def test_jsonl_numeric_labels_and_malformed_lines(labelled_jsonl):
    rows, bad = split(list(read_labelled_file(labelled_jsonl, ReaderConfig())))
    assert [(r.text, r.label) for r in rows] == [("Good", "1"), ("Bad", "0")]
    assert [(q.row, q.reason) for q in bad] == [(3, "malformed_row"), (4, "empty_text")]


def test_unknown_column_name_is_an_error(labelled_csv):
    with pytest.raises(ValueError, match="column 'review' not in header"):
        list(read_labelled_file(labelled_csv, ReaderConfig(text_column="review")))


def test_folder_means_matching_files_without_readme(tmp_path, mixed_tsv):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("a.txt", "b.tsv", "readme.txt", ".hidden.tsv", "notes.md"):
        (folder / name).write_text("x\t1\n")
    files = list_input_files(str(folder), None, "tsv")
    assert [f.rsplit("/", 1)[1] for f in files] == ["a.txt", "b.tsv"]
    with pytest.raises(FileNotFoundError, match="no input files matching"):
        list_input_files(str(folder), ("*.csv",), None)


def test_a_glob_skips_documentation_as_a_folder_does(tmp_path):
    for name in ("a.txt", "README.txt", "LICENSE.txt", "b.txt"):
        (tmp_path / name).write_text("x\t1\n")
    files = list_input_files(str(tmp_path / "*.txt"), None, "tsv")
    assert [f.rsplit("/", 1)[1] for f in files] == ["a.txt", "b.txt"]
    with pytest.raises(FileNotFoundError, match="matches only documentation .*README.txt.*, "
                       "which is never read as data; give the data files"):
        list_input_files(str(tmp_path / "[LR]*.txt"), None, "tsv")


def test_file_without_valid_rows_fails_naming_file_and_reasons(tmp_path, labelled_csv):
    empty = tmp_path / "empty.csv"
    empty.write_text("text,label\n,1\nno label,\n")
    read = functools.partial(read_labelled_file, cfg=ReaderConfig())
    check_files_have_rows([labelled_csv], read)
    with pytest.raises(ValueError, match=r"no valid row in .*empty.csv "
                                         r"\(1 empty_text, 1 missing_label\)"):
        check_files_have_rows([labelled_csv, str(empty)], read)


def test_corpus_lines_quarantine_blank_and_undecodable(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"first line\n\n  \nbad \xfe line\nlast line\n")
    rows, bad = split(list(read_corpus_file(str(path))))
    assert [r.text for r in rows] == ["first line", "last line"]
    assert [(q.row, q.reason) for q in bad] == [(2, "empty_text"), (3, "empty_text"),
                                                (4, "invalid_utf8")]


@pytest.mark.parametrize("fixture, values", [
    ("mixed_tsv", {"header": False}), ("labelled_csv", {}), ("labelled_jsonl", {})])
def test_estimated_rows_are_the_rows_a_file_yields(fixture, values, request):
    path = request.getfixturevalue(fixture)
    cfg = ReaderConfig(**values)
    assert estimated_rows(path, cfg) == len(list(read_labelled_file(path, cfg)))


def test_a_glob_matching_only_folders_says_so_and_what_to_give(tmp_path):
    from tfpipe.pipelines.text.readers import list_input_files

    for name in ("part-1", "part-2"):
        (tmp_path / name).mkdir()
    (tmp_path / "part-1" / "a.txt").write_text("good\t1\n")
    pattern = str(tmp_path / "part-*")
    with pytest.raises(FileNotFoundError, match="matches only folders") as error:
        list_input_files(pattern, None, "tsv")
    assert str(tmp_path / "part-1") in str(error.value)
    assert repr(str(tmp_path / "part-*" / "*.txt")) in str(error.value)
    # The suggestion follows the files there and the format: CSV parts, a glob of CSVs.
    (tmp_path / "part-1" / "a.txt").unlink()
    (tmp_path / "part-2" / "b.csv").write_text("text,label\ngood,1\n")
    with pytest.raises(FileNotFoundError, match="matches only folders") as error:
        list_input_files(pattern, None, "csv")
    assert repr(str(tmp_path / "part-*" / "*.csv")) in str(error.value)
    with pytest.raises(FileNotFoundError, match="matches only folders") as error:
        list_input_files(pattern, None, None)  # format from the extension
    assert repr(str(tmp_path / "part-*" / "*.csv")) in str(error.value)
    with pytest.raises(FileNotFoundError, match="no input files match"):
        list_input_files(str(tmp_path / "none-*"), None, "tsv")
