"""Train/eval assignment: an explicit split index, or a stratified seeded split."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np

from tfpipe.errors import InputError

TRAIN, EVAL = "train", "eval"


def split_by_index(count: int, split_index: int) -> list[str]:
    """Items before `split_index` (in file order) train, the rest evaluate."""
    if not 0 < split_index < count:
        raise InputError(f"split_index={split_index}: must leave images on both sides "
                         f"(the input holds {count})")
    return [TRAIN] * split_index + [EVAL] * (count - split_index)


def stratified_split(labels: Sequence[str], eval_fraction: float, seed: int) -> list[str]:
    """Per class, a seeded shuffle sends round(fraction * n) (at least 1 of 2+) to eval."""
    by_class: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_class[label].append(index)
    rng = np.random.default_rng(seed)
    splits = [TRAIN] * len(labels)
    for label in sorted(by_class):
        members = np.array(by_class[label])
        rng.shuffle(members)
        n_eval = int(round(eval_fraction * len(members)))
        if len(members) >= 2:
            n_eval = min(max(n_eval, 1), len(members) - 1)
        for index in members[:n_eval]:
            splits[int(index)] = EVAL
    if EVAL not in splits:
        raise InputError(f"eval_fraction={eval_fraction}: no image lands in eval; "
                         "give more images or a larger fraction")
    return splits


def assign_splits(labels: Sequence[str], split_index: int | None, eval_fraction: float,
                  seed: int) -> list[str]:
    """The split of every item in file order, by index when given, else stratified."""
    if split_index is not None:
        return split_by_index(len(labels), split_index)
    return stratified_split(labels, eval_fraction, seed)
