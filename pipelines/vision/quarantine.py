"""Quarantine of unusable input images: records with reasons, and the fail-or-go-on rule."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

from tfpipe.pipelines.errors import InputError

QUARANTINE_FILE = "quarantine.jsonl"


@dataclass(frozen=True)
class Quarantined:
    """One input that was left out, and why."""

    path: str
    reason: str
    label: str = ""


def check_quarantine(total: int, quarantined: int, max_bad_fraction: float,
                     origin: str, examples: Iterable[Quarantined] = ()) -> None:
    """Fail when nothing is left or more than `max_bad_fraction` of the inputs are bad."""
    shown = "; ".join(f"{q.path}: {q.reason}" for q in list(examples)[:3])
    detail = f" (e.g. {shown})" if shown else ""
    if total == 0:
        raise InputError(f"{origin}: no input images")
    if quarantined >= total:
        raise InputError(f"{origin}: all {total} images are unusable{detail}")
    fraction = quarantined / total
    if fraction > max_bad_fraction:
        raise InputError(f"{origin}: {quarantined} of {total} images ({fraction:.1%}) are "
                         f"unusable, above max_bad_fraction={max_bad_fraction}{detail}")


def write_quarantine(path: str, records: Iterable[Quarantined]) -> int:
    """Write records as JSON lines, sorted by path; return how many."""
    rows = sorted(records, key=lambda q: q.path)
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(asdict(row), sort_keys=True) + "\n")
    return len(rows)


def read_quarantine(path: str) -> list[Quarantined]:
    """Records written by write_quarantine."""
    with open(path, encoding="utf-8") as handle:
        return [Quarantined(**json.loads(line)) for line in handle if line.strip()]
