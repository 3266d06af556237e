"""Beam transforms that turn a time-series CSV into train/eval window examples."""
from __future__ import annotations

from typing import Any

import apache_beam as beam
import numpy as np

from tfpipe.pipelines.forecasting import ForecastingSettings, series
from tfpipe.schemas import check_float, load_schema


class ParseRow(beam.DoFn):
    """Validate one row against the schema; bad rows go to the `bad` output with a reason."""

    def __init__(self, source: str, value_column: str) -> None:
        self.source = source
        self.value_column = value_column

    def setup(self) -> None:
        self.schema = load_schema("forecasting")

    def process(self, row: dict[str, Any]):
        if "problem" in row:  # a cell that is not UTF-8 (series.iter_rows)
            yield beam.pvalue.TaggedOutput("bad", _bad(self.source, row["row"], row["problem"]))
            return
        if not row["time"]:
            yield beam.pvalue.TaggedOutput("bad", _bad(self.source, row["row"],
                                                       "missing timestamp"))
            return
        try:
            value = series.parse_value(row["value"], allow_nan=True, allow_inf=True)
            check_float(self.schema, "value", value)
        except ValueError as error:
            yield beam.pvalue.TaggedOutput(
                "bad", _bad(self.source, row["row"], f"column {self.value_column!r}: {error}"))
            return
        yield {"row": row["row"], "time": row["time"], "value": value}


class BuildWindows(beam.DoFn):
    """Check the whole series' time order, then emit window examples (or order errors)."""

    def __init__(self, source: str, settings: ForecastingSettings) -> None:
        self.source = source
        self.settings = settings

    def process(self, rows: list[dict[str, Any]]):
        rows = sorted(rows, key=lambda r: r["row"])  # file order
        errors = series.order_errors(rows)
        for error in errors:
            yield beam.pvalue.TaggedOutput("bad", _bad(self.source, error["row"],
                                                       error["reason"]))
        if errors or not rows:
            return
        p = self.settings
        values = np.asarray([r["value"] for r in rows], dtype="float64")
        try:
            split_index = series.resolve_split_index(len(values), p.split_index,
                                                     p.split_fraction)
        except ValueError as error:
            yield beam.pvalue.TaggedOutput("bad", {"source": self.source, "reason": str(error)})
            return
        for example in series.make_windows(values, p.window_size, p.horizon,
                                           split_index, p.seasonal_period):
            yield beam.pvalue.TaggedOutput(example.pop("split"), example)


def _bad(source: str, row: int, reason: str) -> dict[str, Any]:
    return {"source": f"{source} row {row}", "row": row, "reason": reason}


@beam.ptransform_fn
def ReadWindowExamples(root: beam.pvalue.PBegin, path: str,
                       settings: ForecastingSettings) -> dict[str, beam.PCollection]:
    """CSV file -> {"train", "eval", "quarantine"} PCollections."""
    parsed = (root
              | "Source" >> beam.Create([path])
              | "ReadRows" >> beam.FlatMap(series.iter_rows, settings.time_column,
                                           settings.value_column)
              | "ParseRows" >> beam.ParDo(ParseRow(path, settings.value_column))
              .with_outputs("bad", main="good"))
    # One series is windowed in one worker, holding (row, time, value) per row: a window
    # spans consecutive rows and the time-order check needs every row of the series.
    windows = (parsed.good
               | "Collect" >> beam.combiners.ToList()
               | "Windows" >> beam.ParDo(BuildWindows(path, settings))
               .with_outputs("bad", "train", "eval"))
    quarantine = ((parsed.bad, windows.bad) | "AllBad" >> beam.Flatten())
    return {"train": windows.train, "eval": windows.eval, "quarantine": quarantine}
