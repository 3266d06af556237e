"""Ingest's files for reviewers: the schema it checked against and a quarantine sample."""
from __future__ import annotations

import json

from tfpipe.components.ingest import QUARANTINE_SAMPLE_SIZE, review_files
from tfpipe.schemas import schema_path


def test_the_schema_and_the_first_quarantined_rows_are_kept(tmp_path):
    bad = [{"row": i, "reason": "NaN value", "source": "s.csv:%d" % i} for i in range(250)]
    names = review_files("forecasting", bad, str(tmp_path))
    assert names == ["examples/schema.pbtxt", "examples/quarantine_sample.jsonl"]
    assert (tmp_path / "schema.pbtxt").read_text() == open(schema_path("forecasting")).read()
    sample = (tmp_path / "quarantine_sample.jsonl").read_text().splitlines()
    assert len(sample) == QUARANTINE_SAMPLE_SIZE and json.loads(sample[0])["row"] == 0


def test_no_quarantine_no_sample(tmp_path):
    assert review_files("forecasting", [], str(tmp_path)) == ["examples/schema.pbtxt"]
