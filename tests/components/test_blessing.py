"""Blessing: value thresholds, change thresholds and the decision."""
from __future__ import annotations

from tfpipe.components import blessing


def test_relative_to_best_baseline_for_a_lower_is_better_metric():
    check = blessing.relative_to_baseline(
        "mae", 14.0, {"naive": {"mae": 16.0}, "moving_average": {"mae": 32.0}}, 0.05)
    assert check.against == "naive" and check.threshold == 16.0 * 0.95 and check.passed
    worse = blessing.relative_to_baseline("mae", 15.5, {"naive": {"mae": 16.0}}, 0.05)
    assert not worse.passed


def test_higher_is_better_metric_uses_the_other_direction():
    check = blessing.relative_to_baseline("accuracy", 0.9, {"majority": {"accuracy": 0.5}}, 0.1)
    assert check.comparison == ">=" and check.threshold == 0.55 and check.passed


def test_change_check_against_champion_with_tolerances():
    assert blessing.change_check("mae", 10.4, 10.0, 0.05, 0.0).passed
    assert not blessing.change_check("mae", 10.6, 10.0, 0.05, 0.0).passed
    assert not blessing.change_check("accuracy", 0.89, 0.9, 0.0, 0.005).passed
    assert blessing.change_check("accuracy", 0.896, 0.9, 0.0, 0.005).passed


def test_decision_names_failed_checks_and_forced_blessing():
    failed = blessing.change_check("mae", 12.0, 10.0, 0.0, 0.0)
    decision = blessing.decide([failed])
    assert decision["blessed"] is False and "vs champion" in decision["reason"]
    assert decision["checks"][0]["against_value"] == 10.0
    forced = blessing.decide([failed], force_reason="hotfix approved by on-call")
    assert forced["blessed"] and forced["forced"] and "hotfix" in forced["reason"]
    assert blessing.decide([])["blessed"] is False


def test_the_reason_gives_the_numbers_of_every_check():
    passing = blessing.relative_to_baseline(
        "mae", 5.0, {"naive": {"mae": 6.0}, "moving_average": {"mae": 7.0}}, 0.05)
    decision = blessing.decide([passing])
    assert decision["blessed"] and decision["would_have_passed"]
    assert "passed all" not in decision["reason"]
    for number in ("mae 5 <= 5.7", "naive 6"):
        assert number in decision["reason"], decision["reason"]


def test_a_forced_blessing_says_whether_the_checks_would_have_passed():
    failed = blessing.change_check("mae", 12.0, 10.0, 0.0, 0.0)
    forced = blessing.decide([failed], force_reason="hotfix")
    assert forced["blessed"] and forced["forced"] and forced["would_have_passed"] is False
    assert "would have failed" in forced["reason"] and "mae 12 not <= 10" in forced["reason"]
    passing = blessing.change_check("mae", 9.0, 10.0, 0.0, 0.0)
    assert blessing.decide([passing], force_reason="demo")["would_have_passed"] is True
