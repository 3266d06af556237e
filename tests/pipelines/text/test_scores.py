"""The text majority baseline read from ingest statistics."""
from __future__ import annotations

import numpy as np

from tfpipe.components.classification import classification_metrics
from tfpipe.pipelines.text.majority import majority_baseline, num_classes_from


def test_majority_baseline_from_ingest_statistics():
    stats = {"splits": {"train": {"value_counts": {"label_index": {"0": 3, "1": 7}}}}}
    assert num_classes_from(stats, None) == 2
    assert num_classes_from(stats, ("a", "b", "c")) == 3
    probabilities = majority_baseline(stats, 2, 4)
    assert probabilities.shape == (4, 2) and (probabilities[:, 1] == 1).all()
    metrics = classification_metrics(np.array([1, 1, 0, 1]), probabilities)
    assert metrics["accuracy"] == 0.75 and metrics["roc_auc"] == 0.5
