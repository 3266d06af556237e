"""Orchestrator schedules: cron, presets or none, checked when the config is resolved."""
from __future__ import annotations

import re

import pytest

from tfpipe.errors import InputError
from tfpipe.local_run import prepare_config
from tfpipe.schedule import check_schedule, kfp_cron, parse_schedule


@pytest.mark.parametrize("text, expected", [
    (None, None), ("none", None), ("", None), ("@daily", "@daily"),
    ("0  3 * * 1-5", "0 3 * * 1-5"), ("*/15 * * * *", "*/15 * * * *"),
    ("0,30 8-18/2 1 JAN-jun mon-FRI", "0,30 8-18/2 1 JAN-jun mon-FRI"),
    ("59 23 31 12 7", "59 23 31 12 7")])
def test_schedules_in_canonical_form(text, expected):
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text", ["daily", "@every 5m", "0 3 * *", "0 3 * * * *"])
def test_bad_schedules_name_what_is_expected(text):
    with pytest.raises(InputError, match=r"schedule .*expected a 5-field cron expression"):
        check_schedule(text)


@pytest.mark.parametrize("text, message", [
    ("61 * * * *", "minute '61': expected 0-59"),
    ("0 24 * * *", "hour '24': expected 0-23"),
    ("0 3 0 * *", "day of month '0': expected 1-31"),
    ("0 3 * 13 *", "month '13': expected 1-12 or JAN-DEC"),
    ("0 3 * * 8", "day of week '8': expected 0-7 or SUN-SAT"),
    ("*/0 * * * *", "minute field '*/0': a step must be at least 1"),
    ("0 5-2 * * *", "hour field '5-2': range '5-2' runs backwards"),
    ("0 3 * * ;", "day of week field ';': expected *, N, N-M or */STEP"),
    ("0 3 * * mon-", "day of week field 'mon-': expected *, N, N-M or */STEP"),
])
def test_cron_fields_out_of_range_or_malformed_name_the_field(text, message):
    with pytest.raises(InputError, match=f"schedule '{re.escape(text)}': .*{re.escape(message)}"):
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
