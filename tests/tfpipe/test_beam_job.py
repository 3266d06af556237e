"""A failed Beam job is one line naming the runner: lost services, remote tracebacks."""
from __future__ import annotations

import grpc
import pytest

from tfpipe.beam_job import job_failure, remote_error
from tfpipe.errors import ComponentFailed, describe, rpc_status

WHERE = "PortableRunner --job_endpoint=localhost:8099"


class FakeRpcError(grpc.RpcError):
    """The shape of grpc's own errors: a status code and details; a repr over lines."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__()
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def __str__(self) -> str:
        return (f"<_MultiThreadedRendezvous of RPC that terminated with:\n\tstatus = "
                f"{self._code}\n\tdetails = \"{self._details}\"\n>")


REMOTE_GRPC = '''Pipeline job-1 failed in state FAILED: Error running pipeline.
Traceback (most recent call last):
  File "worker_handlers.py", line 634, in start_worker
    response = stub.StartWorker(
grpc._channel._InactiveRpcError: <_InactiveRpcError of RPC that terminated with:
\tstatus = StatusCode.UNAVAILABLE
\tdetails = "failed to connect to all addresses; ipv4:127.0.0.1:1: Connection refused"
>
'''

REMOTE_USER_ERROR = '''Pipeline job-2 failed in state FAILED: Error running pipeline.
Traceback (most recent call last):
  File "fn_runner.py", line 440, in run_stages
    runner_execution_context.setup()
ValueError: bad row 7
'''


def test_a_grpc_error_is_described_in_one_line():
    error = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "Stream removed\n(Socket closed)")
    assert rpc_status(error) == "gRPC UNAVAILABLE: Stream removed (Socket closed)"
    assert describe(error) == "gRPC UNAVAILABLE: Stream removed (Socket closed)"
    assert "\n" not in str(ComponentFailed("transform", error))


def test_an_ordinary_error_is_not_a_grpc_status():
    assert rpc_status(ValueError("x")) is None
    assert describe(ValueError("  x  ")) == "x"
    assert job_failure(WHERE, RuntimeError("plain")) is None


def test_a_lost_service_names_the_runner_and_what_to_do():
    line = job_failure(WHERE, FakeRpcError(grpc.StatusCode.UNAVAILABLE, "Cancelling all calls"))
    assert line is not None and "\n" not in line
    assert line.startswith(f"the Beam job on {WHERE} lost its job service or a worker "
                           "(gRPC UNAVAILABLE: Cancelling all calls)")
    assert "running and reachable" in line


def test_a_job_failure_carrying_a_remote_grpc_traceback_becomes_one_line():
    line = job_failure(WHERE, RuntimeError(REMOTE_GRPC))
    assert line is not None and "\n" not in line and "Traceback" not in line
    assert "gRPC UNAVAILABLE: failed to connect to all addresses; ipv4:127.0.0.1:1" in line


def test_a_job_failure_carrying_a_remote_error_keeps_its_head_and_final_error():
    line = job_failure(WHERE, RuntimeError(REMOTE_USER_ERROR))
    assert line == (f"the Beam job on {WHERE} failed: Pipeline job-2 failed in state FAILED: "
                    "Error running pipeline. ValueError: bad row 7 (its traceback is in the "
                    "run's logs/last-error.txt)")


@pytest.mark.parametrize("frames, final", [("  File 'x'\nKeyError: 'k'\n", "KeyError: 'k'"),
                                           ("", "")])
def test_remote_error_is_the_last_unindented_line(frames, final):
    assert remote_error(frames) == final
