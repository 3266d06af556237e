"""Beam's pass-through options (after `--`), checked before any work, in a child process.

Without the check a typo was dropped silently by Beam (`--direct_num_worker=2`), a bad value
printed Beam's whole argparse usage, and a missing `--job_endpoint` or Dataflow `--project`
surfaced only when ingest's pipeline started, seconds into the run. The check imports Beam,
so it runs in its own process: this one must not import Beam before the warm start forks.
"""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from typing import Any

from tfpipe.errors import InputError
from tfpipe.reachable import connect_problem

CHECK_COMMAND = "import sys; from tfpipe.beam_args import main; main(sys.argv[1:])"
# Options naming a server tfpipe's Beam submission talks to, checked for a listener.
SERVER_OPTIONS = ("job_endpoint", "flink_master", "spark_master_url")
ENDPOINT_TIMEOUT_SECONDS = 10.0  # a job server on a cluster answers a TCP connect sooner
CHECK_DEADLINE_SECONDS = 600  # a busy machine imports Beam slowly; never a short timeout
# Names Beam's create_runner resolves to its DirectRunner, which in Beam 2.77 first tries
# Prism and downloads its binary; tfpipe runs Beam's batch engine in-process for them.
DIRECT_RUNNER_NAMES = ("direct", "directrunner",
                       "apache_beam.runners.direct.direct_runner.directrunner")


def is_local_direct(args: list[str]) -> bool:
    """True when the args choose no runner or Beam's DirectRunner by any of its names."""
    runner = option_values(args).get("runner")
    return runner is None or runner.lower() in DIRECT_RUNNER_NAMES


def option_values(args: list[str]) -> dict[str, str]:
    """{name: value} of '--name=value' and '--name value' pass-through args."""
    values: dict[str, str] = {}
    for index, arg in enumerate(args):
        if not arg.startswith("--"):
            continue
        name, equals, value = arg[2:].partition("=")
        if not equals and index + 1 < len(args) and not args[index + 1].startswith("--"):
            value = args[index + 1]
        values[name] = value
    return values


def stray_values(args: list[str]) -> list[str]:
    """Args that are neither an option nor the value of the option before them."""
    stray = []
    for index, arg in enumerate(args):
        if arg.startswith("--"):
            continue
        before = args[index - 1] if index else ""
        if not (before.startswith("--") and "=" not in before):
            stray.append(arg)
    return stray


def problems(args: list[str]) -> list[str]:
    """What Beam would refuse or ignore in the args, one phrase each; none when they are good."""
    from apache_beam.options.pipeline_options import (PipelineOptions, PortableOptions,
                                                      StandardOptions)

    found = [f"{value!r} is not an option (options look like --name=value)"
             for value in stray_values(args)]
    options = PipelineOptions(args)
    runner, failure = _runner(options.view_as(StandardOptions).runner)
    if failure:
        return [*found, failure]
    known, failure = _parsed(options)
    if failure:
        return [*found, failure]
    unknown = sorted(set(options.get_all_options(retain_unknown_options=True)) - set(known))
    found += [f"--{name} is not a Beam pipeline option" for name in unknown]
    if runner is None:
        return found
    endpoint = options.view_as(PortableOptions).job_endpoint
    if type(runner).__name__ == "PortableRunner" and not endpoint:
        found.append("--runner=PortableRunner needs --job_endpoint=HOST:PORT of a running job "
                     "server (Flink's, Spark's, or Beam's local_job_service_main)")
    for name in SERVER_OPTIONS:
        found += _server_problems(name, str(known.get(name) or ""))
    if "Dataflow" in type(runner).__name__:
        return found + _dataflow_missing(options)
    from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator

    found += [error.strip().rstrip(".")
              for error in PipelineOptionsValidator(options, runner).validate()]
    return found


def _server_problems(option: str, value: str) -> list[str]:
    """Why nothing would answer at a server option's address (Beam waited minutes for a dead
    --job_endpoint, then failed with no message); none for addresses Beam resolves itself."""
    address = value.split("://", 1)[-1].rstrip("/")
    if not address or address in ("embed", "local") or address.startswith(("[", "local[")):
        return []  # Beam's own choices: an embedded job server, Flink's [auto], Spark's local
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return [f"--{option}={value} is not HOST:PORT"]
    cause = connect_problem(host.strip("[]"), int(port), ENDPOINT_TIMEOUT_SECONDS)
    return [f"--{option}={value}: {cause}; start that server first"] if cause else []


def _dataflow_missing(options: Any) -> list[str]:
    """Dataflow's required options, checked offline (Beam's validator calls Google Cloud)."""
    from apache_beam.options.pipeline_options import GoogleCloudOptions

    cloud = options.view_as(GoogleCloudOptions)
    missing = [f"--runner=DataflowRunner needs --{name}" for name in ("project", "region")
               if not getattr(cloud, name)]
    if not str(cloud.temp_location or "").startswith("gs://"):
        missing.append("--runner=DataflowRunner needs --temp_location=gs://BUCKET/PATH "
                       "(its workers cannot reach a local folder)")
    return missing


def _runner(name: str | None) -> tuple[Any, str | None]:
    """(the runner Beam makes of --runner, or None; why it cannot be made)."""
    if name is None:
        return None, None
    from apache_beam.options.pipeline_options import StandardOptions
    from apache_beam.runners.runner import create_runner

    try:
        return create_runner(name), None
    except ValueError:
        known = ", ".join(sorted(StandardOptions.KNOWN_RUNNER_NAMES))
        return None, f"--runner={name} is not a Beam runner (Beam knows {known})"
    except ImportError as error:
        return None, f"--runner={name}: {error}"


def _parsed(options: Any) -> tuple[dict[str, Any], str | None]:
    """(Beam's parsed options; its argparse error, without the usage it prints, or None)."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return options.get_all_options(retain_unknown_options=False), None
    except SystemExit:
        last = captured.getvalue().strip().splitlines()[-1:] or ["a value Beam cannot parse"]
        return {}, last[0].split("error: ", 1)[-1]


def main(argv: list[str]) -> None:
    """The check's process: print the problems on one line and exit 1, or exit 0."""
    found = problems(argv)
    if found:
        print("; ".join(found))
        sys.exit(1)


class BeamArgsCheck:
    """The check started now in a child process; result() raises InputError for bad args."""

    def __init__(self, args: list[str]) -> None:
        self._process = None if not args else subprocess.Popen(
            [sys.executable, "-c", CHECK_COMMAND, *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)

    def result(self) -> None:
        """Wait for the check; raise InputError naming every bad option."""
        if self._process is None:
            return
        try:
            out, err = self._process.communicate(timeout=CHECK_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            raise InputError(f"checking the Beam options after -- took over "
                             f"{CHECK_DEADLINE_SECONDS} s; is the machine overloaded?") from None
        if self._process.returncode == 0:
            return
        detail = out.strip() or (err.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"Beam options after --: {detail}")

    def cancel(self) -> None:
        """Stop the check (the run failed before it was needed)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
