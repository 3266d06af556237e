"""The shared classification scoring: metrics on indices and on names, the confusion matrix,
the majority baseline and the confusion chart, checked against hand counts."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.components.classification import (
    classification_metrics,
    majority_class,
    majority_from_counts,
    majority_probabilities,
    metric_classes,
    named_classification_metrics,
    named_confusion_matrix,
    plot_confusion_matrix,
    roc_auc,
    top_k_accuracy,
)


# --- on label indices and probability rows (text) ---------------------------------------------

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


def test_majority_probabilities_put_all_mass_on_the_top_class():
    probabilities = majority_probabilities([3, 7], 4)
    assert probabilities.shape == (4, 2) and (probabilities[:, 1] == 1).all()
    metrics = classification_metrics(np.array([1, 1, 0, 1]), probabilities)
    assert metrics["accuracy"] == 0.75 and metrics["roc_auc"] == 0.5
    assert (majority_probabilities([5, 0, 5], 1) == [[1, 0, 0]]).all()  # ties: lowest index
    with pytest.raises(ValueError):
        majority_probabilities([0, 0], 3)


def test_top_k_accuracy_breaks_ties_by_lower_id():
    probabilities = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])
    assert top_k_accuracy(np.array([1, 1]), probabilities, 1) == 0.0
    assert top_k_accuracy(np.array([1, 1]), probabilities, 2) == 1.0
    with pytest.raises(ValueError, match="nothing here"):
        top_k_accuracy(np.array([], dtype=int), np.zeros((0, 3)), 1, empty="nothing here")


# --- on class names (vision) ------------------------------------------------------------------

def test_metrics_per_class():
    truth = ["cat", "cat", "dog", "dog", "dog", "emu"]
    preds = ["cat", "dog", "dog", "dog", "cat", "dog"]
    m = named_classification_metrics(truth, preds, ["cat", "dog", "emu"])
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["precision_cat"] == pytest.approx(1 / 2) and m["recall_cat"] == pytest.approx(1 / 2)
    assert m["precision_dog"] == pytest.approx(2 / 4) and m["recall_dog"] == pytest.approx(2 / 3)
    assert m["precision_emu"] == 0.0 and m["recall_emu"] == 0.0
    assert m["macro_recall"] == pytest.approx((1 / 2 + 2 / 3 + 0) / 3)


def test_confusion_counts_and_unknown_truth():
    matrix = named_confusion_matrix(["a", "b", "b"], ["b", "b", "zzz"], ["a", "b"])
    np.testing.assert_array_equal(matrix, [[0, 1], [0, 1]])
    with pytest.raises(ValueError, match="not among the classes"):
        named_confusion_matrix(["q"], ["a"], ["a", "b"])


def test_majority_ties_are_stable():
    assert majority_class(["b", "a", "b", "a", "c"]) == "a"
    assert majority_from_counts({"7": 3, "1": 5}) == "1"
    with pytest.raises(ValueError):
        majority_from_counts({})


def test_numeric_class_names_sort_numerically():
    assert metric_classes(["10", "9", "2", "cat"]) == ["2", "9", "10", "cat"]


def test_confusion_chart_is_a_png(tmp_path):
    path = plot_confusion_matrix(np.array([[5, 1], [0, 7]]), ["a", "b"],
                                 str(tmp_path / "cm.png"))
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
