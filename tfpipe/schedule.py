"""Orchestrator schedules: a 5-field cron expression, an @daily-style preset, or none."""
from __future__ import annotations

import re
from typing import Any

from tfpipe.errors import InputError

PRESETS = {  # Airflow's presets and the 6-field (seconds first) cron KFP's recurring runs take
    "@hourly": "0 0 * * * *", "@daily": "0 0 0 * * *", "@weekly": "0 0 0 * * 0",
    "@monthly": "0 0 0 1 * *", "@yearly": "0 0 0 1 1 *"}
# Per cron field: its name, its range, and the names it also takes (numbered from the first).
FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()),
          ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                            "oct", "nov", "dec")),
          ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")))
CRON_PART = re.compile(r"(?P<range>\*|(?P<start>\w+)(?:-(?P<end>\w+))?)(?:/(?P<step>\d+))?")


def parse_schedule(value: Any) -> str | None:
    """The schedule in canonical form; None (or "none") runs on demand only; ValueError else."""
    if value is None or str(value).strip().lower() in {"", "none", "null"}:
        return None
    text = str(value).strip()
    fields = text.split()
    if text in PRESETS:
        return text
    if len(fields) == 5:
        for field, (name, low, high, names) in zip(fields, FIELDS):
            _check_field(field, name, low, high, names)
        return " ".join(fields)
    raise ValueError(f"expected a 5-field cron expression such as '0 3 * * *', one of "
                     f"{', '.join(PRESETS)}, or none")


def _check_field(field: str, name: str, low: int, high: int, names: tuple[str, ...]) -> None:
    """One cron field: comma-separated *, N, N-M, each optionally /STEP, within its range."""
    for part in field.split(","):
        match = CRON_PART.fullmatch(part)
        if match is None:
            raise ValueError(f"{name} field {field!r}: expected *, N, N-M or */STEP parts "
                             "separated by commas")
        bounds = [_cron_value(match[key], name, low, high, names)
                  for key in ("start", "end") if match[key] is not None]
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            raise ValueError(f"{name} field {field!r}: range {part!r} runs backwards")
        if match["step"] is not None and int(match["step"]) == 0:
            raise ValueError(f"{name} field {field!r}: a step must be at least 1")


def _cron_value(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> int:
    """A number within [low, high], or one of the field's names."""
    if text.lower() in names:
        return low + names.index(text.lower())
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} {text!r}: expected {low}-{high}"
                         + (f" or {names[0].upper()}-{names[-1].upper()}" if names else ""))
    return int(text)


def check_schedule(value: str | None) -> str | None:
    """parse_schedule for a command-line option: InputError naming the value."""
    try:
        return parse_schedule(value)
    except ValueError as error:
        raise InputError(f"schedule {value!r}: {error}") from None


def kfp_cron(schedule: str) -> str:
    """The schedule as KFP's recurring-run cron (seconds first)."""
    return PRESETS.get(schedule) or f"0 {schedule}"
