"""Text input errors name the file and the real cause; hopeless splits stop before Beam."""
from __future__ import annotations

import os

import pytest

from tfpipe.context import RunContext
from tfpipe.errors import InputError
from tfpipe.local_run import run_task


@pytest.fixture
def beam_guard(tmp_path, monkeypatch) -> str:
    """A marker file written if any component starts a Beam pipeline (also in the forked
    ingest child, which inherits the patch)."""
    marker = str(tmp_path / "beam-started")

    def refuse(self):
        open(marker, "w").close()
        raise AssertionError("Beam started")

    monkeypatch.setattr(RunContext, "beam_pipeline", refuse)
    return marker


def run(task: str, data: str, tmp_path, sets: list[str] = ()) -> dict:
    return run_task(task, data, None, list(sets), str(tmp_path / "w"), [], quiet=True)


def test_single_line_corpus_fails_before_beam_with_the_cause(tmp_path, beam_guard):
    path = tmp_path / "one-line.txt"
    words = "in the town of athy one jeremy lanigan battered away ".encode()
    with open(path, "wb") as handle:  # ~50 MB on one line, as in the probe
        for _ in range(50 * 2 ** 20 // len(words)):
            handle.write(words)
        handle.write(b"\n")
    with pytest.raises(InputError) as caught:
        run("text-generation", str(path), tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: a single line holds text")
    assert "no eval split" in message and "too short" not in message
    assert not os.path.exists(beam_guard)


def test_lines_all_in_train_fail_before_beam(tmp_path, beam_guard):
    path = tmp_path / "two.txt"
    path.write_text("the first line of the song\nthe second line of the song\n")
    with pytest.raises(InputError, match="none of its 2 lines falls in the (eval|train) split"):
        run("text-generation", str(path), tmp_path, ["eval_fraction=0.01"])
    assert not os.path.exists(beam_guard)


def test_single_row_text_fails_before_beam(tmp_path, beam_guard):
    path = tmp_path / "one.csv"
    path.write_text("text,label\nonly one review here,1\n")
    with pytest.raises(InputError, match="a single row holds text"):
        run("text", str(path), tmp_path)
    assert not os.path.exists(beam_guard)


def test_wrong_column_names_the_file(tmp_path, beam_guard):
    path = tmp_path / "reviews.csv"
    path.write_text("review,label\ngood,1\nbad,0\n")
    with pytest.raises(InputError) as caught:
        run("text", str(path), tmp_path)
    assert str(caught.value).startswith(f"{path}: column 'text' not in header ['review', "
                                        f"'label']; set text_column")
    assert not os.path.exists(beam_guard)


def test_binary_file_names_the_file_and_says_it_is_not_text(tmp_path, beam_guard):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 400)
    with pytest.raises(InputError) as caught:
        run("text", str(path), tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: column 'text' not in header") and "not text" in message
    assert len(message) < 1000
    assert not os.path.exists(beam_guard)


@pytest.mark.slow
def test_single_use_labels_name_the_real_cause(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("text,label\n" + "".join(f"review number {i} of the shop,label{i}\n"
                                             for i in range(1000)))
    with pytest.raises(InputError) as caught:
        run("text", str(path), tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: no eval examples could be made: ")
    assert "unknown_label" in message and "eval labels unseen in train" in message
    assert "too short" not in message


def test_an_empty_corpus_says_what_a_corpus_is_not_which_columns_to_check(tmp_path, beam_guard):
    path = tmp_path / "empty.txt"
    path.write_text("")
    with pytest.raises(InputError) as caught:
        run("text-generation", str(path), tmp_path)
    message = str(caught.value)
    assert message.startswith(f"no valid row in {path} (empty); give a text file")
    assert "column" not in message and not os.path.exists(beam_guard)


def test_format_folders_on_a_file_fails_before_any_component(tmp_path, beam_guard):
    path = tmp_path / "base.csv"
    path.write_text("text,label\ngood film,pos\nbad film,neg\n")
    with pytest.raises(InputError) as caught:
        run("text", str(path), tmp_path, ["format=folders"])
    assert str(caught.value).startswith(f"config format=folders: {path} is a file; "
                                        "format=folders reads a folder with one sub-folder")
    assert not os.path.exists(tmp_path / "w" / "artifacts")
    assert not os.path.exists(beam_guard)


def test_format_folders_without_class_folders_fails_before_any_component(tmp_path,
                                                                          beam_guard):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "a.txt").write_text("good film")
    with pytest.raises(InputError, match="config format=folders: .*flat has no sub-folders"):
        run("text", str(tmp_path / "flat"), tmp_path, ["format=folders"])
    assert not os.path.exists(tmp_path / "w" / "artifacts")
