"""Train/eval assignment: explicit index, stratified seeded split."""
from __future__ import annotations

from collections import Counter

import pytest

from tfpipe.errors import InputError
from tfpipe.pipelines.vision.split import EVAL, TRAIN, assign_splits, stratified_split


def test_split_index_is_the_first_eval_index():
    splits = assign_splits(["a"] * 5, split_index=3, eval_fraction=0.5, seed=0)
    assert splits == [TRAIN, TRAIN, TRAIN, EVAL, EVAL]
    with pytest.raises(InputError, match="split_index=5"):
        assign_splits(["a"] * 5, split_index=5, eval_fraction=0.5, seed=0)


def test_stratified_keeps_class_proportions_and_is_seeded():
    labels = ["a"] * 50 + ["b"] * 10 + ["c"] * 2
    splits = stratified_split(labels, 0.2, seed=7)
    per_class = Counter(label for label, split in zip(labels, splits) if split == EVAL)
    assert per_class == {"a": 10, "b": 2, "c": 1}  # a class of 2 still gets one eval image
    assert splits == stratified_split(labels, 0.2, seed=7)
    assert splits != stratified_split(labels, 0.2, seed=8)


def test_no_eval_is_an_error():
    with pytest.raises(InputError, match="no image lands in eval"):
        stratified_split(["a", "b"], 0.2, seed=0)
