"""Orchestrator schedules: cron, presets or none, checked when the config is resolved."""
from __future__ import annotations

import pytest

from tfpipe.errors import InputError
from tfpipe.local_run import prepare_config
from tfpipe.schedule import check_schedule, kfp_cron, parse_schedule


@pytest.mark.parametrize("text, expected", [
    (None, None), ("none", None), ("", None), ("@daily", "@daily"),
    ("0  3 * * 1-5", "0 3 * * 1-5"), ("*/15 * * * *", "*/15 * * * *")])
def test_schedules_in_canonical_form(text, expected):
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["daily", "@every 5m", "0 3 * *", "0 3 * * * *", "0 3 * * ;"])
def test_bad_schedules_name_what_is_expected(text):
    with pytest.raises(InputError, match=r"schedule .*expected a 5-field cron expression"):
        check_schedule(text)


def test_the_config_key_is_checked_when_the_config_is_resolved():
    assert prepare_config("forecasting", None, ["schedule=30 2 * * *"])["schedule"] == \
        "30 2 * * *"
    assert prepare_config("forecasting", None, [])["schedule"] is None
    with pytest.raises(InputError, match="config schedule='hourly'"):
        prepare_config("forecasting", None, ["schedule=hourly"])


def test_kfp_recurring_runs_take_cron_with_seconds_first():
    assert kfp_cron("30 2 * * *") == "0 30 2 * * *"
    assert kfp_cron("@weekly") == "0 0 0 * * 0"
