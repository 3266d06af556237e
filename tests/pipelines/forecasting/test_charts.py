"""The forecast plot shows the candidate on top of each baseline, one panel per baseline."""
from __future__ import annotations

import numpy as np

from tfpipe.pipelines.forecasting.charts import forecast_figure, forecast_vs_actual


def eval_data():
    steps = np.arange(50)
    target = np.sin(steps / 5.0)[:, None]
    naive = np.roll(target, 1, axis=0)
    return ({"target_index": steps[::-1].copy(), "target": target[::-1].copy()},
            {"candidate": target[::-1] + 0.01, "naive": naive[::-1],
             "moving_average": naive[::-1] * 0.5})


def test_one_panel_per_baseline_with_the_candidate_drawn_last_and_distinct():
    raw, predictions = eval_data()
    figure = forecast_figure(raw, predictions)
    axes = figure.axes
    assert len(axes) == 2
    for axis, baseline in zip(axes, ["naive", "moving_average"]):
        lines = {line.get_label(): line for line in axis.get_lines()}
        assert set(lines) == {"actual", baseline, "candidate"}
        assert lines["candidate"].get_zorder() > max(lines["actual"].get_zorder(),
                                                     lines[baseline].get_zorder())
        assert lines["candidate"].get_color() != lines[baseline].get_color()
        assert lines[baseline].get_linestyle() == "--"
        assert baseline in axis.get_title() and "candidate MAE" in axis.get_title()


def test_the_png_is_written(tmp_path):
    raw, predictions = eval_data()
    name = forecast_vs_actual(raw, predictions, str(tmp_path))
    assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
