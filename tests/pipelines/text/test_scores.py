"""Classification metrics and the majority baseline, checked against hand counts."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.pipelines.text.majority import majority_baseline, num_classes_from
from tfpipe.pipelines.text.scores import classification_metrics, roc_auc


def test_binary_metrics_by_hand():
    labels = np.array([1, 1, 1, 0, 0])
    p1 = np.array([0.9, 0.6, 0.2, 0.7, 0.1])
    metrics = classification_metrics(labels, np.stack([1 - p1, p1], axis=1))
    # predicted 1,1,0,1,0: tp=2 fp=1 fn=1
    assert metrics["accuracy"] == pytest.approx(3 / 5)
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(2 / 3)
    # positive/negative pairs ranked correctly: (0.9>0.7,0.1) (0.6<0.7, >0.1) (0.2<0.7, >0.1)
    assert metrics["roc_auc"] == pytest.approx(4 / 6)


def test_roc_auc_counts_ties_as_half():
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert np.isnan(roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_multiclass_uses_macro_averages_and_no_auc():
    labels = np.array([0, 1, 2, 2])
    probabilities = np.eye(3)[[0, 2, 2, 2]]
    metrics = classification_metrics(labels, probabilities)
    assert "roc_auc" not in metrics
    assert metrics["accuracy"] == pytest.approx(0.75)
    assert metrics["recall"] == pytest.approx((1 + 0 + 1) / 3)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="does not match"):
        classification_metrics(np.array([0, 1]), np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)"):
        classification_metrics(np.array([0, 2]), np.ones((2, 2)))


def test_majority_baseline_from_ingest_statistics():
    stats = {"splits": {"train": {"value_counts": {"label_index": {"0": 3, "1": 7}}}}}
    assert num_classes_from(stats, None) == 2
    assert num_classes_from(stats, ("a", "b", "c")) == 3
    probabilities = majority_baseline(stats, 2, 4)
    assert probabilities.shape == (4, 2) and (probabilities[:, 1] == 1).all()
    metrics = classification_metrics(np.array([1, 1, 0, 1]), probabilities)
    assert metrics["accuracy"] == 0.75 and metrics["roc_auc"] == 0.5
