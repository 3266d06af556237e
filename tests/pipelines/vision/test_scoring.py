"""Scoring on class names, the majority baseline, the confusion-matrix chart, default data."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.pipelines.vision.charts import plot_confusion_matrix
from tfpipe.pipelines.vision.digits import digits_arrays, write_default_data
from tfpipe.pipelines.vision.scoring import (classification_metrics, confusion_matrix,
                                             majority_class, majority_from_counts,
                                             metric_classes)


def test_metrics_per_class():
    truth = ["cat", "cat", "dog", "dog", "dog", "emu"]
    preds = ["cat", "dog", "dog", "dog", "cat", "dog"]
    m = classification_metrics(truth, preds, ["cat", "dog", "emu"])
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["precision_cat"] == pytest.approx(1 / 2) and m["recall_cat"] == pytest.approx(1 / 2)
    assert m["precision_dog"] == pytest.approx(2 / 4) and m["recall_dog"] == pytest.approx(2 / 3)
    assert m["precision_emu"] == 0.0 and m["recall_emu"] == 0.0
    assert m["macro_recall"] == pytest.approx((1 / 2 + 2 / 3 + 0) / 3)


def test_confusion_counts_and_unknown_truth():
    matrix = confusion_matrix(["a", "b", "b"], ["b", "b", "zzz"], ["a", "b"])
    np.testing.assert_array_equal(matrix, [[0, 1], [0, 1]])
    with pytest.raises(ValueError, match="not among the classes"):
        confusion_matrix(["q"], ["a"], ["a", "b"])


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


def test_default_digits_written_once(tmp_path):
    x, y = digits_arrays()
    assert x.shape == (1797, 8, 8) and x.dtype == np.uint8 and x.max() == 255
    assert sorted(set(y.tolist())) == list(range(10))
    path = write_default_data(str(tmp_path))
    with np.load(path) as data:
        np.testing.assert_array_equal(data["x"], x)
    assert write_default_data(str(tmp_path)) == path


def test_raw_spec_follows_the_schema_file():
    import tensorflow as tf

    from tfpipe.schemas import load_schema
    from tfpipe.pipelines.vision.features import raw_feature_spec

    spec = raw_feature_spec((28, 28), 1)
    assert spec == {"image": tf.io.FixedLenFeature([784], tf.int64),
                    "image_shape": tf.io.FixedLenFeature([3], tf.int64),
                    "label": tf.io.FixedLenFeature([], tf.string)}
    assert "label" not in raw_feature_spec((4, 4), 3, with_label=False)
    image = next(f for f in load_schema("vision").feature if f.name == "image")
    assert (image.int_domain.min, image.int_domain.max) == (0, 255)
