"""The forecasting Beam transform on a TestPipeline."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tfpipe.pipelines.forecasting import ForecastingSettings
from tfpipe.pipelines.forecasting.ingest import ReadWindowExamples
from tfpipe.settings import parse

PARAMS = {"time_column": "t", "value_column": "v", "split_index": 6, "split_fraction": 0.8,
          "window_size": 2, "horizon": 1, "seasonal_period": None}


def test_windows_by_split(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("t,v\n" + "".join(f"{i},{i * 10}\n" for i in range(8)))
    with TestPipeline() as root:
        out = root | ReadWindowExamples(str(path), parse(ForecastingSettings, PARAMS))
        assert_that(out["train"] | "TrainIdx" >> beam.Map(lambda w: w["target_index"]),
                    equal_to([2, 3, 4, 5]), label="train")
        assert_that(out["eval"] | "EvalPairs" >> beam.Map(lambda w: (w["window"], w["target"])),
                    equal_to([([40.0, 50.0], [60.0]), ([50.0, 60.0], [70.0])]), label="eval")
        assert_that(out["quarantine"], equal_to([]), label="bad")


def test_bad_rows_are_quarantined_with_row_and_column(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("t,v\n0,1\n1,oops\n2,3\n2,4\n")
    with TestPipeline() as root:
        out = root | ReadWindowExamples(str(path), parse(ForecastingSettings, PARAMS))
        assert_that(out["quarantine"] | beam.Map(lambda r: f"{r['row']}:{r['reason']}"),
                    equal_to(["3:column 'v': not a number: 'oops'",
                              "5:duplicate timestamp '2' (also on row 4)"]))


def test_bytes_not_utf8_are_reported_in_the_columns_read_and_ignored_elsewhere(tmp_path):
    path = tmp_path / "s.csv"
    later = "".join(f"{t},{t},n\n" for t in range(4, 12)).encode()
    path.write_bytes(b"t,v,note\n0,1,caf\xe9\n1,2\xe9,x\n\xff2,3,y\n3,4,z\n" + later)
    with TestPipeline() as root:
        out = root | ReadWindowExamples(str(path), parse(ForecastingSettings, PARAMS))
        assert_that(out["quarantine"] | beam.Map(lambda r: f"{r['row']}:{r['reason']}"),
                    equal_to(["3:column 'v': not UTF-8 text (byte 0xe9); save the file as UTF-8",
                              "4:column 't': not UTF-8 text (byte 0xff); save the file as UTF-8"]))
