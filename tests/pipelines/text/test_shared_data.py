"""The readers on the real datasets in ../shared/data, read in place (skipped when absent)."""
from __future__ import annotations

import functools
import os

from tfpipe.pipelines.text.config import TextSettings
from tfpipe.settings import parse
from tfpipe.pipelines.text.readers import (Row, list_input_files, read_corpus_file,
                                           read_labelled_file)

SENTIMENT = {"format": "tsv", "header": "false", "text_column": "0", "label_column": "1"}


def test_sentiment_folder_reads_every_sentence_with_quoting_off(shared_data):
    reader = parse(TextSettings, SENTIMENT)
    files = list_input_files(os.path.join(shared_data, "text", "sentiment"),
                             reader.file_pattern, reader.format)
    assert [os.path.basename(f) for f in files] == [
        "amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"]
    read = functools.partial(read_labelled_file, cfg=reader)
    items = [item for path in files for item in read(path)]
    rows = [i for i in items if isinstance(i, Row)]
    assert len(rows) == 3000 and {r.label for r in rows} == {"0", "1"}
    assert sum('"' in r.text for r in rows if r.source == "imdb_labelled.txt") >= 40


def test_lyrics_lines(shared_data):
    path = os.path.join(shared_data, "text", "lyrics", "irish-lyrics-eof.txt")
    items = list(read_corpus_file(path))
    assert len(items) == 1692 and all(isinstance(i, Row) for i in items)
    assert items[0].text == "Come all ye maidens young and fair"
