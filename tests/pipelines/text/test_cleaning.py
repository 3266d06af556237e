"""Cleaning ops (the ones inside the transform graph), stop-words and the length rule."""
from __future__ import annotations

import pytest

from tfpipe.pipelines.text.cleaning import tokenize
from tfpipe.pipelines.text.config import CleaningConfig
from tfpipe.pipelines.text.stopwords import load_stopwords


def words(texts, cfg=CleaningConfig(), stopwords=()):
    import tensorflow as tf

    return [[w.decode() for w in row] for row in tokenize(tf.constant(texts), cfg,
                                                          stopwords).to_list()]


def test_lowercase_html_punctuation_and_apostrophes():
    assert words(["It's <b>GREAT</b>&amp;cheap!!  Café, 10/10 <br />"]) == [
        ["its", "great", "cheap", "café", "10", "10"]]


def test_switches_turn_steps_off():
    cfg = CleaningConfig(lowercase=False, strip_html=False, remove_punctuation=False)
    assert words(["Hi <b>there</b>!"], cfg) == [["Hi", "<b>there</b>!"]]


def test_stopwords_removed_but_negations_kept():
    stopwords = load_stopwords()
    assert "the" in stopwords and "not" not in stopwords and "no" not in stopwords
    cfg = CleaningConfig(remove_stopwords=True)
    assert words(["The food was not good at all"], cfg, stopwords) == [
        ["food", "not", "good"]]


def test_stopword_file_must_list_words(tmp_path):
    path = tmp_path / "stop.txt"
    path.write_text("# only a comment\n")
    with pytest.raises(ValueError, match="lists no words"):
        load_stopwords(str(path))
    path.write_text("Foo # trailing comment\nbar\n")
    assert load_stopwords(str(path)) == ("bar", "foo")
