"""`tfpipe ui`: MLflow's own server on a workdir's store, one worker, on loopback.

The server gets the workdir's mlartifacts folder as its artifact root, so the runs' relative
`mlflow-artifacts:` URIs resolve wherever the workdir now lives. MLflow's background job
runner (GenAI scorers, several extra processes) is not started: reviewing training runs
does not use it. The printed URL opens the experiment in MLflow's "Model training" view
with the review columns (candidate and baselines, blessed, pushed version) chosen.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Callable

from tfpipe import config as cfg
from tfpipe.errors import InputError, TfpipeError
from tfpipe.mlflow_env import MLFLOW_ENV_DEFAULTS

HOST = "127.0.0.1"
WORKFLOW = "workflowType=machine_learning"  # MLflow 3's "Model training" mode
VIEW_KEY = "tfpipe-review"
SHARED_VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"
START_DEADLINE = 600.0  # seconds; MLflow's first start took about 2 minutes on a busy machine


class ServerFailed(TfpipeError):
    """The MLflow server exited or did not answer in time."""


def server_command(paths: cfg.RunPaths, port: int) -> list[str]:
    """`mlflow server` over the store, artifacts from the workdir, one worker, loopback only."""
    mlflow = os.path.join(os.path.dirname(sys.executable), "mlflow")
    return [mlflow if os.path.exists(mlflow) else "mlflow", "server",
            "--backend-store-uri", paths.tracking_uri,
            "--artifacts-destination", paths.mlartifacts,
            "--host", HOST, "--port", str(port), "--workers", "1"]


def server_environment() -> dict[str, str]:
    """The server's environment: MLflow's job runner (GenAI scorers) off, and its usage
    telemetry unless the user turned that on."""
    return {**MLFLOW_ENV_DEFAULTS, **os.environ,
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


def review_columns(metric_keys: list[str], primary: list[str]) -> list[str]:
    """Runs-table columns: every model's primary metric, blessing, pushed version, dataset."""
    columns = ["attributes.`Duration`", "attributes.`Dataset`", "tags.`tfpipe.blessed`"]
    columns += [f"metrics.`{key}`" for key in sorted(metric_keys)
                if key.split("/", 1)[0] in primary and "/" in key]
    columns += ["metrics.`pushed_version`", "tags.`tfpipe.cached_components`",
                "attributes.`Models`"]
    return columns


def shared_view(columns: list[str]) -> str:
    """MLflow's shared view state (what its Share button stores) with the review columns."""
    return json.dumps({"selectedColumns": columns, "orderByKey": "attributes.start_time",
                       "orderByAsc": False, "searchFilter": "", "startTime": "ALL",
                       "lifecycleFilter": "Active", "datasetsFilter": [],
                       "modelVersionFilter": "All Runs"})


def prepare_views(client: Any) -> dict[str, str]:
    """Store the review view on every tfpipe experiment; experiment name -> id."""
    from tfpipe.registry import task_info

    found = {}
    for experiment in client.search_experiments():
        runs = client.search_runs([experiment.experiment_id], "", max_results=50,
                                  order_by=["attributes.start_time DESC"])
        tasks = {r.data.tags["tfpipe.task"] for r in runs if "tfpipe.task" in r.data.tags}
        if not tasks:
            continue
        primary = []
        for task in tasks:
            try:
                primary.append(task_info(task).primary_metric)
            except InputError:
                continue
        keys = sorted({key for r in runs for key in r.data.metrics})
        client.set_experiment_tag(experiment.experiment_id, SHARED_VIEW_TAG,
                                  shared_view(review_columns(keys, primary)))
        found[experiment.name] = experiment.experiment_id
    return found


def experiment_url(base: str, experiment_id: str, run_id: str | None = None) -> str:
    """The experiment (or one run) in Model training mode with the review columns."""
    if run_id:
        return f"{base}/#/experiments/{experiment_id}/runs/{run_id}?{WORKFLOW}"
    return f"{base}/#/experiments/{experiment_id}/runs?{WORKFLOW}&viewStateShareKey={VIEW_KEY}"


def wait_until_up(url: str, alive: Callable[[], bool], deadline: float = START_DEADLINE,
                  interval: float = 0.5) -> None:
    """Poll <url>/health until it answers; ServerFailed if the server exits or time runs out."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if not alive():
            raise ServerFailed(f"mlflow server at {url} exited before it answered")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        time.sleep(interval)
    raise ServerFailed(f"mlflow server at {url} did not answer within {deadline:.0f}s")


def start(workdir: str, port: int, run_id: str | None = None,
          announce: Callable[[], None] = lambda: None) -> tuple[subprocess.Popen, str]:
    """Start the server in its own process group and wait for it; (process, URL to open).

    `announce` is called once the store is known to be there, before the slow start. The
    server's own output goes to <workdir>/logs/mlflow-ui.log.
    """
    from tfpipe.runs import find_run, open_store, pipeline_runs

    client, paths = open_store(workdir)
    announce()
    experiments = prepare_views(client)
    if not experiments:
        raise InputError(f"{workdir}: no tfpipe runs in this store yet")
    run = find_run(client, pipeline_runs(client), run_id, "--run") if run_id else None
    experiment_id = (run.info.experiment_id if run is not None
                     else _latest_experiment(client, experiments))
    log_path = os.path.join(paths.workdir, "logs", "mlflow-ui.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(server_command(paths, port), env=server_environment(),
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
    base = f"http://{HOST}:{port}"
    try:
        wait_until_up(base, lambda: process.poll() is None)
    except ServerFailed as error:
        stop(process)
        raise ServerFailed(f"{error} (is port {port} taken? try --port; the server's "
                           f"output is in {log_path})") from None
    except BaseException:
        stop(process)
        raise
    return process, experiment_url(base, experiment_id, run.info.run_id if run else None)


def stop(process: subprocess.Popen) -> None:
    """Stop the server and the processes it started (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _latest_experiment(client: Any, experiments: dict[str, str]) -> str:
    from tfpipe.runs import pipeline_runs

    runs = pipeline_runs(client)
    return runs[0].info.experiment_id if runs else next(iter(experiments.values()))
