"""Series helpers: parsing, time order and leak-free windows."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.pipelines.forecasting import series


def test_windows_split_by_target_and_never_train_on_eval_targets():
    values = np.arange(20, dtype=float)
    windows = list(series.make_windows(values, window_size=3, horizon=2, split_index=12))
    train = [w for w in windows if w["split"] == "train"]
    evals = [w for w in windows if w["split"] == "eval"]
    assert max(max(w["target"]) for w in train) < 12  # no eval value is a train target
    assert [w["target_index"] for w in evals] == list(range(12, 19))
    assert evals[0]["window"] == [9.0, 10.0, 11.0]  # eval inputs may look back into train
    assert all(w["target_index"] != 11 for w in windows)  # straddling window is in neither


def test_seasonal_naive_value_is_one_period_back():
    values = np.arange(30, dtype=float)
    window = next(w for w in series.make_windows(values, 4, 1, 20, seasonal_period=12)
                  if w["split"] == "eval")
    assert window["seasonal_naive"] == [values[20 - 12]]


@pytest.mark.parametrize("text,message", [("", "missing value"), ("abc", "not a number"),
                                          ("nan", "NaN"), ("inf", "infinite")])
def test_parse_value_rejects_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        series.parse_value(text)


def test_order_errors_find_duplicates_and_unsorted_rows():
    rows = [{"row": 2, "time": "2000-01"}, {"row": 3, "time": "2000-02"},
            {"row": 4, "time": "2000-02"}, {"row": 5, "time": "1999-12"}]
    errors = series.order_errors(rows)
    assert errors[0] == {"row": 4, "reason": "duplicate timestamp '2000-02' (also on row 3)"}
    assert errors[1]["row"] == 5 and "unsorted" in errors[1]["reason"]


def test_numeric_time_is_ordered_as_numbers():
    rows = [{"row": i + 2, "time": str(t)} for i, t in enumerate([8, 9, 10, 11])]
    assert series.order_errors(rows) == []


def test_split_index_from_fraction_and_bounds():
    assert series.resolve_split_index(100, None, 0.8) == 80
    with pytest.raises(ValueError, match="inside the series"):
        series.resolve_split_index(100, 100, 0.8)


@pytest.mark.parametrize("length", [0, 1, 5, 12, 30])
@pytest.mark.parametrize("window_size, horizon, seasonal_period", [
    (1, 1, None), (3, 2, None), (4, 1, 6), (10, 3, 12), (30, 1, None)])
def test_window_counts_are_the_windows_made(length, window_size, horizon, seasonal_period):
    values = np.arange(length, dtype="float64")
    for split_index in range(1, max(length, 2)):
        made = [w["split"] for w in series.make_windows(values, window_size, horizon,
                                                        split_index, seasonal_period)]
        assert series.window_counts(length, window_size, horizon, split_index,
                                    seasonal_period) == (made.count("train"),
                                                         made.count("eval"))


@pytest.mark.parametrize("length", [0, 1])
def test_a_series_of_fewer_than_two_values_cannot_be_split(length):
    with pytest.raises(ValueError, match=f"a series of {length} value"):
        series.resolve_split_index(length, None, 0.8)
