"""Beam pipeline options: DirectRunner by default, pass-through args win."""
from __future__ import annotations

import pytest

from tfpipe.pipelines.cli import main
from tfpipe.pipelines.context import RunContext


def options(args: list[str], tmp_path) -> dict:
    context = RunContext(workdir=str(tmp_path), pipeline="p", component="c", beam_args=args,
                         scratch=str(tmp_path / "scratch"))
    return context.beam_options().get_all_options(drop_default=True)


def test_direct_runner_and_temp_location_by_default(tmp_path):
    opts = options([], tmp_path)
    assert opts["runner"] == "DirectRunner"
    assert opts["temp_location"].startswith(str(tmp_path / "scratch"))


def test_pass_through_args_override_defaults(tmp_path):
    opts = options(["--runner=FlinkRunner", "--flink_master=localhost:8081",
                    "--temp_location=/tmp/beam"], tmp_path)
    assert opts["runner"] == "FlinkRunner" and opts["flink_master"] == "localhost:8081"
    assert opts["temp_location"] == "/tmp/beam"


def test_cli_hands_args_after_double_dash_to_beam(monkeypatch, tmp_path):
    seen = {}

    def fake_run_task(task, data, config, sets, workdir, beam_args, quiet=False):
        seen.update(task=task, sets=sets, beam_args=beam_args)
        raise SystemExit(0)

    monkeypatch.setattr("tfpipe.pipelines.run.run_task", fake_run_task)
    with pytest.raises(SystemExit):
        main(["run", "forecasting", "--set", "epochs=1", "--", "--runner=SparkRunner"])
    assert seen == {"task": "forecasting", "sets": ["epochs=1"],
                    "beam_args": ["--runner=SparkRunner"]}
