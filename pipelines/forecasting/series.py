"""Plain functions on a univariate series: synthetic data, row parsing, ordering, windows."""
from __future__ import annotations

import csv
import math
from datetime import datetime
from typing import Any, Iterator

import numpy as np

from tfpipe.files import count_lines, not_utf8, printable


def synthetic_series(length: int = 1461, period: int = 365, seed: int = 42) -> np.ndarray:
    """The book's synthetic series: baseline + trend + seasonality + noise, seeded."""
    time = np.arange(length, dtype="float64")
    phase = (time % period) / period
    season = np.where(phase < 0.4, np.cos(phase * 2 * np.pi), 1 / np.exp(3 * phase))
    noise = np.random.default_rng(seed).normal(size=length) * 5.0
    return 10.0 + 0.05 * time + 40.0 * season + noise


def write_series_csv(path: str, values: np.ndarray) -> None:
    """Write a series as a CSV with `time,value` columns."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time", "value"])
        for step, value in enumerate(values):
            writer.writerow([step, f"{value:.6f}"])


def read_header(path: str) -> list[str]:
    """Column names of a CSV file; raises ValueError when it has none or they are not UTF-8."""
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        header = next(csv.reader(handle), None)
    if not header or not any(cell.strip() for cell in header):
        raise ValueError("empty file (no header row)")
    problem = not_utf8(",".join(header))
    if problem:
        raise ValueError(f"header row: {problem}")
    return [cell.strip() for cell in header]


def count_rows(path: str) -> int:
    """Data rows of a CSV file (lines after the header), counted without parsing."""
    return max(count_lines(path) - 1, 0)


def iter_rows(path: str, time_column: str, value_column: str) -> Iterator[dict[str, Any]]:
    """Yield {row, time, value} per data row; `row` is the 1-based line number in the file.

    A time or value that is not UTF-8 is not raised while reading: the row carries `problem`
    naming the column and the byte, for the row's check to report, and the cells are made
    printable (so the row can still be encoded between Beam stages).
    """
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader)]
        time_at, value_at = header.index(time_column), header.index(value_column)
        for offset, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank line, not a data row
            texts = {"time": cells[time_at].strip() if time_at < len(cells) else "",
                     "value": cells[value_at].strip() if value_at < len(cells) else ""}
            row: dict[str, Any] = {"row": offset}
            for key, column in (("time", time_column), ("value", value_column)):
                problem = not_utf8(texts[key])
                if problem:
                    row["problem"] = f"column {column!r}: {problem}"
                    texts[key] = printable(texts[key])
            yield {**row, **texts}


def parse_value(text: str, allow_nan: bool = False, allow_inf: bool = False) -> float:
    """Parse one value; raises ValueError with the reason."""
    if text == "":
        raise ValueError("missing value")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if math.isnan(value) and not allow_nan:
        raise ValueError("NaN value")
    if math.isinf(value) and not allow_inf:
        raise ValueError(f"infinite value {text!r}")
    return value


def time_sort_key(texts: list[str]) -> list[Any]:
    """Comparable keys for timestamps: numbers, ISO dates (YYYY-MM allowed), else raise."""
    if all(_is_number(t) for t in texts):
        return [float(t) for t in texts]
    keys = []
    for text in texts:
        for candidate in (text, f"{text}-01"):
            try:
                keys.append(datetime.fromisoformat(candidate))
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"timestamp {text!r} is neither a number nor an ISO date")
    return keys


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def order_errors(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems with the time order of rows (in file order): unparsable, duplicate, unsorted."""
    try:
        keys = time_sort_key([r["time"] for r in rows])
    except ValueError as error:
        bad = next(r for r in rows if _unparsable(r["time"]))
        return [{"row": bad["row"], "reason": str(error)}]
    errors = []
    for before, after, key_before, key_after in zip(rows, rows[1:], keys, keys[1:]):
        if key_after == key_before:
            errors.append({"row": after["row"],
                           "reason": f"duplicate timestamp {after['time']!r} "
                                     f"(also on row {before['row']})"})
        elif key_after < key_before:
            errors.append({"row": after["row"],
                           "reason": f"timestamp {after['time']!r} is earlier than "
                                     f"{before['time']!r} on row {before['row']} (unsorted)"})
    return errors


def _unparsable(text: str) -> bool:
    try:
        time_sort_key([text])
    except ValueError:
        return True
    return False


def resolve_split_index(length: int, split_index: int | None, split_fraction: float) -> int:
    """First index of the eval range, from an explicit index or a fraction of the length."""
    if length < 2:
        raise ValueError(f"a series of {length} value(s) cannot be split into train and eval")
    index = split_index if split_index is not None else int(round(length * split_fraction))
    if not 0 < index < length:
        raise ValueError(f"split_index {index} must lie inside the series (1..{length - 1})")
    return index


def window_counts(length: int, window_size: int, horizon: int, split_index: int,
                  seasonal_period: int | None = None) -> tuple[int, int]:
    """(train, eval) windows make_windows yields for a series of `length` valid values."""
    first = max(window_size, seasonal_period or 0)
    last = length - horizon  # the last window start
    train = max(min(last, split_index - horizon) - first + 1, 0)
    evaluated = max(last - max(first, split_index) + 1, 0)
    return train, evaluated


def make_windows(values: np.ndarray, window_size: int, horizon: int, split_index: int,
                 seasonal_period: int | None = None) -> Iterator[dict[str, Any]]:
    """Sliding windows: inputs before t, targets t..t+horizon-1; split by the target range.

    Eval windows may read inputs from the train range; train windows never see eval targets.
    A window whose targets straddle split_index belongs to neither split.
    """
    first = max(window_size, seasonal_period or 0)
    for t in range(first, len(values) - horizon + 1):
        if t + horizon <= split_index:
            split = "train"
        elif t >= split_index:
            split = "eval"
        else:
            continue
        example = {"window": values[t - window_size:t].astype("float32").tolist(),
                   "target": values[t:t + horizon].astype("float32").tolist(),
                   "target_index": t, "split": split}
        if seasonal_period:
            example["seasonal_naive"] = [float(values[t + h - seasonal_period])
                                         for h in range(horizon)]
        yield example
