"""The embedded default corpus is generated, seeded and balanced."""
from __future__ import annotations

from tfpipe.pipelines.text.demo_corpus import sentiment_corpus, write_default_sentiment


def test_corpus_is_deterministic_and_roughly_balanced(tmp_path):
    rows = sentiment_corpus(400, seed=0)
    assert rows == sentiment_corpus(400, seed=0) and rows != sentiment_corpus(400, seed=1)
    share = sum(label == "1" for _, label in rows) / len(rows)
    assert 0.4 < share < 0.6
    assert any(" not " in text for text, _ in rows)  # negation makes word counts insufficient
    path = write_default_sentiment(str(tmp_path), rows=50)
    lines = open(path, encoding="utf-8").read().splitlines()
    assert lines[0] == "text\tlabel" and len(lines) == 51
    before = (tmp_path / "sentiment.tsv").stat().st_mtime_ns
    write_default_sentiment(str(tmp_path), rows=50)
    assert (tmp_path / "sentiment.tsv").stat().st_mtime_ns == before  # unchanged, not rewritten
