"""The embedded generation corpus is generated and seeded."""
from __future__ import annotations

from tfpipe.pipelines.text_generation.demo_corpus import ballad_corpus, write_default_corpus


def test_corpus_is_deterministic_lines(tmp_path):
    lines = ballad_corpus(50, seed=0)
    assert lines == ballad_corpus(50, seed=0) and lines != ballad_corpus(50, seed=1)
    assert all(line.strip() and "\n" not in line for line in lines)
    path = write_default_corpus(str(tmp_path), lines=50)
    assert open(path, encoding="utf-8").read().splitlines() == lines
