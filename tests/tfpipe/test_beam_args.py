"""Beam's pass-through options are checked before any work: one line naming each bad one."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from tfpipe.beam_args import (BeamArgsCheck, is_local_direct, option_values, problems,
                              stray_values)
from tfpipe.errors import InputError

TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")
PORTABLE = ["--runner=PortableRunner", "--job_endpoint=localhost:8099",
            "--environment_type=EXTERNAL", "--environment_config=localhost:50000"]


@pytest.fixture
def listening_port():
    """A port something listens on, as a job server would."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def dead_port() -> int:
    """A loopback port nothing listens on."""
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_option_values_and_strays_read_both_spellings():
    args = ["--runner", "FlinkRunner", "--flink_master=h:1", "--save_main_session", "oops"]
    assert option_values(args) == {"runner": "FlinkRunner", "flink_master": "h:1",
                                   "save_main_session": "oops"}
    assert stray_values(args) == []  # 'oops' may be --save_main_session's value
    assert stray_values(["oops", "--flink_master=h:1", "again"]) == ["oops", "again"]


@pytest.mark.parametrize("args, local", [
    ([], True), (["--direct_num_workers=2"], True), (["--runner=DirectRunner"], True),
    (["--runner", "direct"], True), (["--runner=PrismRunner"], False), (PORTABLE, False)])
def test_which_args_run_beams_batch_engine_in_process(args, local):
    assert is_local_direct(args) is local


def test_a_portable_job_server_that_listens_is_good(listening_port):
    assert problems(["--runner=PortableRunner", f"--job_endpoint=127.0.0.1:{listening_port}",
                     "--environment_type=EXTERNAL", "--environment_config=h:5"]) == []


@pytest.mark.parametrize("endpoint, expected", [
    ("--job_endpoint=127.0.0.1:{dead}", "--job_endpoint=127.0.0.1:{dead}: cannot connect ("),
    ("--job_endpoint=localhost", "--job_endpoint=localhost is not HOST:PORT"),
    ("--job_endpoint=localhost:99999", "--job_endpoint=localhost:99999 is not HOST:PORT"),
    ("--flink_master=127.0.0.1:{dead}", "--flink_master=127.0.0.1:{dead}: cannot connect ("),
    ("--spark_master_url=spark://127.0.0.1:{dead}",
     "--spark_master_url=spark://127.0.0.1:{dead}: cannot connect (")])
def test_a_server_where_nothing_listens_is_named_at_once(endpoint, expected):
    # Beam waited minutes for a dead job endpoint, then failed with an empty message.
    port = dead_port()
    found = problems(["--runner=PortableRunner", endpoint.format(dead=port)])
    assert any(expected.format(dead=port) in problem for problem in found), found


def test_an_error_without_a_message_is_named_by_its_type():
    from tfpipe.errors import ComponentFailed

    class FutureTimeoutError(Exception):
        """Like grpc's: raised without a message."""

    assert str(ComponentFailed("ingest", FutureTimeoutError())).startswith(
        "component ingest failed: ")
    assert str(ComponentFailed("ingest", FutureTimeoutError())).endswith(
        "FutureTimeoutError")


@pytest.mark.parametrize("args", [
    [], ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
    ["--runner=FlinkRunner", "--flink_master=[auto]", "--parallelism", "2"],
    ["--runner=SparkRunner", "--spark_master_url=local[4]"],
    ["--runner=DataflowRunner", "--project=p", "--region=europe-west1",
     "--temp_location=gs://b/tmp"]])
def test_good_options_have_no_problems(args):
    assert problems(args) == []


@pytest.mark.parametrize("args, expected", [
    (["--direct_num_worker=2"], "--direct_num_worker is not a Beam pipeline option"),
    (["--runner=NoSuchRunner"], "--runner=NoSuchRunner is not a Beam runner (Beam knows "),
    (["--runner=PortableRunner"], "--runner=PortableRunner needs --job_endpoint=HOST:PORT"),
    (["--runner=DataflowRunner"], "--runner=DataflowRunner needs --project"),
    (["--runner=DataflowRunner", "--project=p", "--region=r", "--temp_location=/tmp/x"],
     "--runner=DataflowRunner needs --temp_location=gs://"),
    (["--direct_num_workers=abc"], "argument --direct_num_workers: invalid int value: 'abc'"),
    (["--direct_running_mode=bogus"], "invalid choice: 'bogus'"),
    (["stray"], "'stray' is not an option")])
def test_bad_options_are_named_without_beams_usage(args, expected, capsys):
    found = problems(args)
    assert any(expected in problem for problem in found), found
    assert all("\n" not in problem for problem in found)
    assert "usage:" not in capsys.readouterr().err


def test_the_check_runs_in_its_own_process_and_raises_one_line():
    with pytest.raises(InputError, match=r"^Beam options after --: --bogus is not a Beam "
                                         r"pipeline option$"):
        BeamArgsCheck(["--bogus=1"]).result()
    BeamArgsCheck(["--direct_num_workers=2"]).result()


def test_a_run_with_a_bad_option_stops_before_writing_anything(tmp_path):
    workdir = tmp_path / "w"
    done = subprocess.run([TFPIPE, "run", "forecasting", "--workdir", str(workdir), "--",
                           "--runner=PortableRunner"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == ["tfpipe: error: Beam options after --: --runner=PortableRunner needs "
                     "--job_endpoint=HOST:PORT of a running job server (Flink's, Spark's, or "
                     "Beam's local_job_service_main)"], done.stderr
    assert not workdir.exists()


def test_library_warnings_go_to_the_run_log_not_the_terminal(tmp_path, capsys):
    from tfpipe.cli import _stop_logging_to, log_libraries_to

    path = tmp_path / "last-run.log"
    handler = log_libraries_to(str(path), verbose=False)
    try:
        logging.getLogger("apache_beam.runners.portability.local_job_service").warning(
            "Worker: severity: WARN relayed from a worker")
    finally:
        _stop_logging_to(handler)
    assert "relayed from a worker" in path.read_text()
    assert "relayed from a worker" not in capsys.readouterr().err
    assert handler not in logging.getLogger().handlers
