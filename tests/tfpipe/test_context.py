"""Beam pipeline options: DirectRunner by default, pass-through args win."""
from __future__ import annotations

import pytest

from tfpipe.cli import main
from tfpipe.context import RunContext


def context_for(args: list[str], tmp_path) -> RunContext:
    return RunContext(workdir=str(tmp_path), pipeline="p", component="c", beam_args=args,
                      scratch=str(tmp_path / "scratch"))


def options(args: list[str], tmp_path) -> dict:
    return context_for(args, tmp_path).beam_options().get_all_options(drop_default=True)


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

    def fake_run_task(task, data, config, sets, workdir, beam_args, **options):
        seen.update(task=task, sets=sets, beam_args=beam_args)
        raise SystemExit(0)

    monkeypatch.setattr("tfpipe.local_run.run_task", fake_run_task)
    with pytest.raises(SystemExit):
        main(["run", "forecasting", "--set", "epochs=1", "--", "--runner=SparkRunner"])
    assert seen == {"task": "forecasting", "sets": ["epochs=1"],
                    "beam_args": ["--runner=SparkRunner"]}


def test_default_pipeline_runs_the_direct_runners_batch_engine_without_prism(tmp_path):
    from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner

    pipeline = context_for([], tmp_path).beam_pipeline()
    assert isinstance(pipeline.runner, FnApiRunner)
    assert pipeline.options.get_all_options()["runner"] == "DirectRunner"


@pytest.mark.parametrize("name", ["DirectRunner", "direct", "directrunner",
                                  "apache_beam.runners.direct.direct_runner.DirectRunner"])
def test_an_explicit_direct_runner_gets_the_batch_engine_too(tmp_path, capsys, name):
    # Beam's DirectRunner would first try Prism and download its binary: a local run never does.
    from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner

    pipeline = context_for([f"--runner={name}"], tmp_path).beam_pipeline()
    assert isinstance(pipeline.runner, FnApiRunner)
    assert "nothing downloaded" in capsys.readouterr().err


def test_a_runner_passed_through_is_used_as_given(tmp_path):
    from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

    pipeline = context_for(["--runner=BundleBasedDirectRunner"], tmp_path).beam_pipeline()
    assert isinstance(pipeline.runner, BundleBasedDirectRunner)


def test_default_pipeline_runs(tmp_path):
    import apache_beam as beam
    from apache_beam.testing.util import assert_that, equal_to

    with context_for([], tmp_path).beam_pipeline() as root:
        assert_that(root | beam.Create([1, 2]) | beam.Map(lambda x: x * 10), equal_to([10, 20]))


def test_each_pipeline_says_which_runner_it_uses(tmp_path, capsys):
    context_for([], tmp_path).beam_pipeline()
    assert "Beam runner: DirectRunner's batch engine in this process" in capsys.readouterr().err
    context_for(["--runner=PortableRunner", "--job_endpoint=localhost:8099",
                 "--environment_type=EXTERNAL", "--environment_config=localhost:50000"],
                tmp_path).beam_pipeline()
    assert ("Beam runner: PortableRunner --job_endpoint=localhost:8099 "
            "--environment_type=EXTERNAL") in capsys.readouterr().err


def test_the_runner_is_named_whichever_way_its_options_are_written():
    from tfpipe.context import runner_description

    assert runner_description(["--runner", "FlinkRunner", "--flink_master", "host:8081"]) == \
        "FlinkRunner --flink_master=host:8081"
    assert runner_description(["--runner=DataflowRunner", "--project=p", "--region=r"]) == \
        "DataflowRunner --project=p --region=r"
