"""The candidate-vs-baselines chart: a panel per metric, the candidate's bar first and coloured."""
from __future__ import annotations

from tfpipe.components.charts import (BASELINE_COLOR, CANDIDATE_COLOR,
                                      candidate_vs_baselines, candidate_vs_baselines_figure)


def test_each_metric_has_a_panel_with_every_model_and_printed_values(tmp_path):
    figure = candidate_vs_baselines_figure(
        {"mae": 5.0, "rmse": 6.0}, {"naive": {"mae": 6.0, "rmse": 8.0},
                                    "champion": {"mae": 5.5, "rmse": 7.0}})
    assert [a.get_title() for a in figure.axes] == ["mae\n(lower is better)",
                                                    "rmse\n(lower is better)"]
    mae = figure.axes[0]
    assert [t.get_text() for t in mae.get_yticklabels()] == ["candidate", "champion", "naive"]
    assert sorted(t.get_text() for t in mae.texts) == ["5", "5.5", "6"]
    colors = [tuple(bar.get_facecolor()) for bar in mae.patches]
    assert colors[0] != colors[1] == colors[2]
    assert CANDIDATE_COLOR != BASELINE_COLOR
    assert (tmp_path / candidate_vs_baselines({"accuracy": 0.9}, {"majority": {"accuracy": 0.5}},
                                              str(tmp_path))).exists()
