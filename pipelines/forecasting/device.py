"""The forecasting device model: the same window in and forecast out as serving_default."""
from __future__ import annotations

import numpy as np

from tfpipe.device import DeviceSpec
from tfpipe.pipelines.forecasting import ForecastingSettings


def device_spec(settings: ForecastingSettings) -> DeviceSpec:
    """float32 window [batch, window_size] -> forecast [batch, horizon], original units."""
    from tfpipe.pipelines.forecasting import model  # noqa: F401 - registers the custom layers
    from tfpipe.pipelines.forecasting import preprocessing

    return DeviceSpec(
        inputs=preprocessing.serving_input_spec(settings),
        raw_features=dict,  # the window is the raw feature; scaling is folded in
        outputs=preprocessing.serving_outputs,
        eval_inputs=lambda raw: {"window": np.asarray(raw["window"], np.float32)},
        eval_predictions=lambda outputs: outputs["forecast"],
        description={
            "task": "forecasting",
            "inputs": {"window": {
                "meaning": f"the last {settings.window_size} values of the series, oldest "
                           "first, in original units; the model does the scaling"}},
            "outputs": {"forecast": {
                "meaning": f"the next {settings.horizon} values, original units"}}})
