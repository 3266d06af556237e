"""Forecasting models: shapes, and ensemble members trained independently."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.pipelines.forecasting import ForecastingSettings
from tfpipe.pipelines.forecasting.model import build_model, ensemble_huber, ensemble_mae

BASE = {"window_size": 6, "horizon": 2, "units": 8, "filters": 4, "learning_rate": 0.001}


@pytest.mark.parametrize("kind", ["dense", "conv_lstm"])
def test_output_is_members_by_horizon(kind):
    model = build_model(ForecastingSettings(**BASE, model=kind, ensemble_size=3))
    assert model.predict(np.zeros((4, 6), "float32"), verbose=0).shape == (4, 3, 2)


def test_members_start_different_and_each_has_its_own_weights():
    model = build_model(ForecastingSettings(**BASE, model="dense", ensemble_size=2))
    out = model.predict(np.random.default_rng(0).normal(size=(5, 6)).astype("float32"),
                        verbose=0)
    assert not np.allclose(out[:, 0], out[:, 1])
    assert {w.path.split("/")[0] for w in model.trainable_weights} == {
        f"member{i}_{layer}" for i in range(2) for layer in ("dense1", "dense2", "forecast")}


def test_losses_compare_every_member_with_the_same_target():
    y_true = np.array([[1.0, 2.0]], "float32")
    y_pred = np.array([[[1.0, 2.0], [3.0, 2.0]]], "float32")  # member 1 off by 2 on step 0
    per_member = np.asarray(ensemble_huber(y_true, y_pred))
    np.testing.assert_allclose(per_member, [[0.0, 0.75]], rtol=1e-6)  # huber(2) = 1.5, /2 steps
    np.testing.assert_allclose(np.asarray(ensemble_mae(y_true, y_pred)), [0.5], rtol=1e-6)


def test_unknown_model_is_rejected():
    with pytest.raises(ValueError, match="unknown model 'rnn'"):
        build_model(ForecastingSettings(**BASE, model="rnn"))
