"""Ctrl-C or SIGTERM during a run: one line, the shell's exit code, the MLflow run marked failed
with the reason, and the finished components kept for the next run."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


def parent_runs(workdir: str, tag: str = "tfpipe.error") -> list[tuple[str, str | None]]:
    """(status, `tag`) of every pipeline run in the workdir's store."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    runs = [run for experiment in client.search_experiments()
            for run in client.search_runs([experiment.experiment_id])
            if "mlflow.parentRunId" not in run.data.tags]
    return [(run.info.status, run.data.tags.get(tag)) for run in runs]


def run_and_stop(workdir: str, data: str, stop: signal.Signals, at: str) -> tuple[int, str]:
    """`tfpipe run forecasting`, sent `stop` (to its whole process group, as a terminal's
    Ctrl-C or an orchestrator's kill is) once its output shows `at`; exit code and stderr."""
    process = subprocess.Popen(
        [TFPIPE, "run", "forecasting", "--data", data, "--workdir", workdir,
         "--set", "epochs=200", "--set", "ensemble_size=1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen, sent = [], False
    assert process.stderr is not None
    for line in process.stderr:  # ends by itself: the run finishes if the line never comes
        seen.append(line)
        if not sent and line.strip().startswith(at):
            os.killpg(process.pid, stop)
            sent = True
    code = process.wait(timeout=900)
    assert sent, f"the run never printed {at!r}:\n{''.join(seen)[-3000:]}"
    return code, "".join(seen)


@pytest.mark.slow
@pytest.mark.parametrize("stop, at, code, reason", [
    (signal.SIGINT, "[train] training on", 130, "interrupted (Ctrl-C)"),
    (signal.SIGTERM, "[1/5] ingest", 143, "terminated (SIGTERM)"),
])
def test_a_stopped_run_says_so_once_and_is_recorded_as_failed(tmp_path, tiny_series_csv, stop,
                                                              at, code, reason):
    workdir = str(tmp_path / "w")
    returned, stderr = run_and_stop(workdir, tiny_series_csv, stop, at)
    assert returned == code, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    last = stderr.strip().splitlines()[-1]
    assert last == (f"tfpipe: {reason}; the components that finished stay cached: run the same "
                    "command again to resume")
    # The tracking process ignores the group's signal, so it was there to record the reason.
    assert parent_runs(workdir) == [("FAILED", reason)]


@pytest.mark.slow
def test_the_next_run_resumes_after_the_components_that_finished(tmp_path, tiny_series_csv):
    workdir = str(tmp_path / "w")
    returned, stderr = run_and_stop(workdir, tiny_series_csv, signal.SIGINT,
                                    "[train] training on")
    assert returned == 130, stderr[-3000:]
    again = subprocess.run(
        [TFPIPE, "run", "forecasting", "--data", tiny_series_csv, "--workdir", workdir,
         "--set", "epochs=2", "--set", "ensemble_size=1"],
        capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "[1/5] ingest: cached" in again.stderr and "[2/5] transform: cached" in again.stderr
    assert "[3/5] train: ran" in again.stderr


@pytest.mark.slow
def test_a_run_killed_outright_is_closed_by_its_tracking_process(tmp_path, tiny_series_csv,
                                                                 services):
    workdir = str(tmp_path / "w")
    process = subprocess.Popen(  # no early stop: the run is still training when killed
        [TFPIPE, "run", "forecasting", "--data", tiny_series_csv, "--workdir", workdir,
         "--set", "epochs=1000", "--set", "patience=1000", "--set", "ensemble_size=1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    for line in process.stderr:
        if line.strip().startswith("[train] training on"):
            break
    services.wait(lambda: [s for s, _ in parent_runs(workdir)] == ["RUNNING"],
                  "the run's MLflow run to open", process=process)
    process.kill()  # SIGKILL to the run's process alone: no handler runs in it
    process.wait(timeout=900)
    process.stderr.read()  # the tracking process shares this pipe: never let it fill up
    # Closed without a next run, as that run's sweep would have closed it.
    services.wait(lambda: [s for s, _ in parent_runs(workdir)] == ["KILLED"],
                  "the tracking process to close the run")
    ((_, reason),) = parent_runs(workdir, "tfpipe.end_reason")
    assert reason == (f"KILLED: its process {process.pid} on {socket.gethostname()} ended "
                      "without closing the run")
