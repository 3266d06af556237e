"""Before Beam: can the seeded split give both train and eval at least one row?"""
from __future__ import annotations

from typing import Callable, Iterable

from tfpipe.pipelines.text.readers import Quarantined, Row
from tfpipe.pipelines.text.split import EVAL, TRAIN, assign_split


def check_both_splits(data: str, files: list[str],
                      read_fn: Callable[[str], Iterable[Row | Quarantined]],
                      eval_fraction: float, seed: int, unit: str) -> None:
    """Read rows until both splits have one (usually a handful); ValueError naming the data
    and the cause otherwise. `unit` names what one example is ("line", "row")."""
    counts = {TRAIN: 0, EVAL: 0}
    for path in files:
        for item in read_fn(path):
            if isinstance(item, Row):
                counts[assign_split(item.text, eval_fraction, seed)] += 1
                if counts[TRAIN] and counts[EVAL]:
                    return
    total = counts[TRAIN] + counts[EVAL]
    if total == 1:
        raise ValueError(f"{data}: a single {unit} holds text, and each {unit} is one example, "
                         f"so there can be no eval split (nothing to evaluate on); give "
                         f"several {unit}s (e.g. one sentence per {unit})")
    empty = EVAL if counts[TRAIN] else TRAIN
    raise ValueError(f"{data}: none of its {total} {unit}s falls in the {empty} split "
                     f"(eval_fraction={eval_fraction}, split_seed={seed}); add {unit}s or "
                     f"change eval_fraction")
