"""Orchestrator schedules: a 5-field cron expression, an @daily-style preset, or none."""
from __future__ import annotations

import re
from typing import Any

from tfpipe.errors import InputError

PRESETS = {  # Airflow's presets and the 6-field (seconds first) cron KFP's recurring runs take
    "@hourly": "0 0 * * * *", "@daily": "0 0 0 * * *", "@weekly": "0 0 0 * * 0",
    "@monthly": "0 0 0 1 * *", "@yearly": "0 0 0 1 1 *"}
CRON_FIELD = re.compile(r"[0-9A-Za-z*/,?-]+")


def parse_schedule(value: Any) -> str | None:
    """The schedule in canonical form; None (or "none") runs on demand only; ValueError else."""
    if value is None or str(value).strip().lower() in {"", "none", "null"}:
        return None
    text = str(value).strip()
    fields = text.split()
    if text in PRESETS:
        return text
    if len(fields) == 5 and all(CRON_FIELD.fullmatch(f) for f in fields):
        return " ".join(fields)
    raise ValueError(f"expected a 5-field cron expression such as '0 3 * * *', one of "
                     f"{', '.join(PRESETS)}, or none")


def check_schedule(value: str | None) -> str | None:
    """parse_schedule for a command-line option: InputError naming the value."""
    try:
        return parse_schedule(value)
    except ValueError as error:
        raise InputError(f"schedule {value!r}: {error}") from None


def kfp_cron(schedule: str) -> str:
    """The schedule as KFP's recurring-run cron (seconds first)."""
    return PRESETS.get(schedule) or f"0 {schedule}"
