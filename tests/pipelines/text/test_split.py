"""Seeded split and label sets."""
from __future__ import annotations

from tfpipe.pipelines.text.readers import Row
from tfpipe.pipelines.text.split import (assign_split, check_label, infer_label_values,
                                         label_index)


def test_split_is_seeded_and_close_to_the_fraction():
    texts = [f"sentence number {i}" for i in range(4000)]
    first = [assign_split(t, 0.2, 0) for t in texts]
    assert first == [assign_split(t, 0.2, 0) for t in texts]
    assert first != [assign_split(t, 0.2, 1) for t in texts]
    assert 0.18 < first.count("eval") / len(texts) < 0.22


def test_identical_texts_share_a_split():
    assert len({assign_split("the same words", 0.5, seed) for seed in [3] * 5}) == 1


def test_label_values_sort_numerically_when_integers():
    assert infer_label_values(["10", "2", "1", "2"]) == ("1", "2", "10")
    assert infer_label_values(["pos", "neg"]) == ("neg", "pos")
    assert label_index("10", ("1", "2", "10")) == 2


def test_label_outside_the_set_is_quarantined_with_reason():
    row = Row("fine text", "maybe", "f.csv", 3)
    checked = check_label(row, ("neg", "pos"))
    assert checked.reason == "unknown_label" and checked.row == 3
    assert check_label(Row("ok", "pos", "f.csv", 4), ("neg", "pos")).label == "pos"
