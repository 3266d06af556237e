"""MLflow tracking of one pipeline run from plain data; components never call MLflow."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from tfpipe.cache import canonical_json, digest, flatten
from tfpipe.config import RunPaths
from tfpipe.faults import pause_point
from tfpipe.run_sweep import PARENT_TAG, owner_gone, owner_tags, sweep_stale_runs
from tfpipe.mlflow_artifacts import client_for, experiment_location, uses_workdir_artifacts
from tfpipe.tracking_review import (EXPERIMENT_KIND, NOTE_TAG, dataset_entity, decision_metrics,
                                    decision_note, decision_tags, model_version_path)

MAX_PARAM_LENGTH = 6000


@dataclass(frozen=True)
class ComponentEvent:
    """What tracking needs of one finished component; picklable, so it can cross processes."""

    name: str
    cached: bool
    key: str
    reason: str
    seconds: float
    directory: str
    report: dict[str, Any] = field(default_factory=dict)
    fingerprint: dict[str, Any] = field(default_factory=dict)  # of the artifact's cache key
    started_at: float = 0.0  # wall-clock seconds; 0 when unknown (then: the logging time)
    ended_at: float = 0.0


@dataclass(frozen=True)
class RunEnd:
    """The headline of a finished run: its total seconds, eval metrics and pushed version."""

    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    pushed_version: int | None = None
    ended_at: float = 0.0  # wall-clock seconds; 0 when unknown (then: the logging time)
    cached: tuple[str, ...] = ()


class MlflowTracker:
    """One parent run per pipeline run, one nested run per component (cached ones too)."""

    def __init__(self, paths: RunPaths, experiment_name: str, task: str,
                 config: dict[str, Any], data: str) -> None:
        self.paths = paths
        self.experiment_name = experiment_name
        self.task = task
        self.config = config
        self.data = data
        self.client: Any = None
        self.experiment_id = ""
        self.run_id = ""
        self.registered: dict[str, Any] | None = None
        # Made where the run is (the tracker is pickled to the tracking process), so the runs
        # name the `tfpipe run` process as their owner for the sweep of killed runs.
        self.owner = owner_tags()
        self.started_at = time.time()  # the run began before MLflow is set up
        self.decision: dict[str, Any] | None = None
        self.pushed_version: int | None = None

    def start(self) -> None:
        """Create (or reuse) the experiment and open the parent run."""
        self.open_experiment()
        self.run_id = self.create_parent(self.owner)

    def open_experiment(self) -> None:
        """Connect to the store and create (or reuse) the pipeline's experiment."""
        import logging

        from tfpipe.mlflow_store import seed_new_store

        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no DB-migration chatter
        logging.getLogger("alembic").setLevel(logging.WARNING)
        seed_new_store(self.paths.tracking_uri)
        self.client = client_for(self.paths.tracking_uri, self.paths.mlartifacts)
        experiment = self.client.get_experiment_by_name(self.experiment_name)
        if experiment is None:
            location = None
            if uses_workdir_artifacts(self.paths.tracking_uri):
                os.makedirs(self.paths.mlartifacts, exist_ok=True)
                location = experiment_location(self.experiment_name)
            self.experiment_id = self.client.create_experiment(
                self.experiment_name, artifact_location=location, tags=EXPERIMENT_KIND)
        else:
            self.experiment_id = experiment.experiment_id
            for key, value in EXPERIMENT_KIND.items():
                if experiment.tags.get(key) != value:
                    self.client.set_experiment_tag(self.experiment_id, key, value)
        sweep_stale_runs(self.client, [self.experiment_id])

    def create_parent(self, tags: dict[str, str]) -> str:
        """Open a parent run with the config as params; its run id."""
        run_name = f"{self.task}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(self.started_at))}"
        run = self.client.create_run(self.experiment_id, run_name=run_name,
                                     start_time=_millis(self.started_at),
                                     tags={"tfpipe.task": self.task, "tfpipe.data": self.data,
                                           "tfpipe.workdir": self.paths.workdir, **tags})
        self._log_params(run.info.run_id, {**self.config, "data": self.data})
        return str(run.info.run_id)

    def component_tags(self) -> dict[str, str]:
        """Extra tags of every nested run this tracker writes: its owning process."""
        return dict(self.owner)

    def confirm(self, wait: bool) -> None:
        """Nothing to wait for: `start` opened the parent run or raised."""

    def record_component(self, event: ComponentEvent) -> None:
        """A nested run with the component's real span, params, metrics, history and files."""
        from mlflow.entities import Metric

        report = event.report
        ended = event.ended_at or time.time()
        child = self.client.create_run(
            self.experiment_id, run_name=event.name,
            start_time=_millis(event.started_at or ended), tags={
                "mlflow.parentRunId": self.run_id, "tfpipe.component": event.name,
                "tfpipe.cached": str(event.cached).lower(), "tfpipe.cache_key": event.key,
                "tfpipe.reason": event.reason,
                "tfpipe.artifact": os.path.relpath(event.directory, self.paths.workdir),
                **self.component_tags(), **report.get("tags", {})})
        child_id = child.info.run_id
        now = _millis(ended)
        metrics = [Metric(k, float(v), now, 0) for k, v in report.get("metrics", {}).items()]
        metrics.append(Metric("seconds", event.seconds, now, 0))
        for name, values in report.get("history", {}).items():
            metrics += [Metric(name, float(v), now, step) for step, v in enumerate(values)]
        self._log_batches(child_id, self._params(report.get("params", {})), metrics)
        for relative in report.get("plots", []):
            self.client.log_artifact(child_id, os.path.join(event.directory, relative), "plots")
        for relative in report.get("files", []):
            path = os.path.join(event.directory, relative)
            if os.path.exists(path):
                self.client.log_artifact(child_id, path, os.path.dirname(relative) or None)
        if event.name == "ingest":
            self._log_dataset(child_id, event)
        self._log_source(event)
        blessing = os.path.join(event.directory, "evaluation", "blessing.json")
        if os.path.exists(blessing):
            self.client.log_artifact(child_id, blessing)
            self._record_decision(blessing)
        summary = report.get("summary", {})
        if event.name == "push" and summary.get("pushed"):  # cached too: a killed run's
            self.pushed_version = summary.get("version")  # push may be unregistered
            self.registered = self._register(child_id, summary,
                                             os.path.join(event.directory, "pushed_model"))
        self.client.set_terminated(child_id, "FINISHED", end_time=now)

    def finish(self, end: RunEnd) -> None:
        """Close the parent run: headline metrics, pushed version, model link, description."""
        from mlflow.entities import Metric, RunTag

        ended = _millis(end.ended_at or time.time())
        metrics = [Metric("total_seconds", end.seconds, ended, 0)]
        metrics += [Metric(k, float(v), ended, 0) for k, v in end.metrics.items()]
        version = end.pushed_version if end.pushed_version is not None else self.pushed_version
        if version is not None:
            metrics.append(Metric("pushed_version", float(version), ended, 0))
        tags = {"tfpipe.pushed_version": str(version or ""),
                "tfpipe.cached_components": ",".join(end.cached)}
        if self.registered:
            tags["tfpipe.registered_model"] = (f"{self.registered['name']}/"
                                               f"{self.registered['version']}")
            tags["tfpipe.registered_model_url"] = model_version_path(
                self.registered["name"], self.registered["version"])
        if self.decision is not None:
            tags[NOTE_TAG] = decision_note(self.decision, version, self.registered)
        self.client.log_batch(self.run_id, metrics=metrics,
                              tags=[RunTag(k, v) for k, v in tags.items()])
        self.client.set_terminated(self.run_id, "FINISHED", end_time=ended)

    def close_if_abandoned(self, wait_seconds: float) -> list[str]:
        """Once the run's process has ended without closing the run (killed outright), close
        its runs as the next run's sweep would: KILLED, with the reason. The closed run ids."""
        if self.client is None or not self.run_id:
            return []
        deadline = time.monotonic() + wait_seconds
        while owner_gone(self.owner) is None:  # its pipe closes a moment before it is gone
            if time.monotonic() >= deadline:
                return []  # still there: it closed the connection, not its life
            time.sleep(0.05)
        return sweep_stale_runs(self.client, [self.experiment_id])

    def fail(self, message: str) -> None:
        """Mark the parent run failed with the error."""
        if self.client is None or not self.run_id:
            return
        try:
            self.client.set_tag(self.run_id, "tfpipe.error", message[:5000])
            for child in self.client.search_runs(
                    [self.experiment_id], f"tags.`{PARENT_TAG}` = '{self.run_id}' "
                    "and attributes.status = 'RUNNING'"):
                self.client.set_tag(child.info.run_id, "tfpipe.end_reason",
                                    f"FAILED: the pipeline run failed: {message[:4000]}")
                self.client.set_terminated(child.info.run_id, "FAILED")
            self.client.set_terminated(self.run_id, "FAILED")
        except Exception as tracking_error:  # noqa: BLE001 - never hide the pipeline's own error
            print(f"warning: could not record the failure in MLflow: {tracking_error}",
                  file=sys.stderr)

    def _record_decision(self, path: str) -> None:
        """The blessing on the parent run: candidate and baseline metrics, checks, verdict."""
        from mlflow.entities import Metric, RunTag

        with open(path, encoding="utf-8") as handle:
            self.decision = json.load(handle)
        now = int(time.time() * 1000)
        self.client.log_batch(
            self.run_id,
            metrics=[Metric(k, v, now, 0) for k, v in decision_metrics(self.decision).items()],
            tags=[RunTag(k, v) for k, v in decision_tags(self.decision).items()])

    def _log_dataset(self, child_id: str, event: ComponentEvent) -> None:
        """The input data as an MLflow dataset input of the ingest run and the parent."""
        from mlflow.entities import DatasetInput, InputTag

        fingerprint = str(event.fingerprint.get("data", {}).get("data", ""))
        if not fingerprint:
            return
        counts = event.report.get("summary", {}).get("counts", {})
        dataset = dataset_entity(self.data, fingerprint, counts)
        inputs = [DatasetInput(dataset, tags=[InputTag("mlflow.data.context", "ingest")])]
        for run_id in (child_id, self.run_id):
            self.client.log_inputs(run_id, datasets=inputs)
        self.client.set_tag(self.run_id, "tfpipe.data_fingerprint", fingerprint)

    def _log_source(self, event: ComponentEvent) -> None:
        """The digest of the code a component ran, on the parent (for `tfpipe runs --compare`)."""
        if "component_source" in event.fingerprint:
            code = {part: event.fingerprint.get(part) for part in ("component_source",
                                                                   "task_source")}
            self.client.set_tag(self.run_id, f"tfpipe.code.{event.name}",
                                digest(canonical_json(code)))

    def _register(self, run_id: str, summary: dict[str, Any], push_dir: str) -> dict[str, Any]:
        """Log the pushed SavedModel as an MLflow pyfunc, register it, point the aliases at
        the served versions and note the registry entry in the serving base path; once per
        serving version (runs hold the pipeline lock, so versions are made in order)."""
        from tfpipe.serving import mlflow_registry, state

        name = summary["model_name"]
        existing = self._registered_version(name, summary)
        if existing is not None:
            return {"name": name, "version": existing}
        pause_point("tracking:register")
        registered = mlflow_registry.log_pushed_model(self.paths.tracking_uri, run_id, summary,
                                                      push_dir)
        labels = summary.get("labels") or {"stable": summary["version"]}
        registered["aliases"] = mlflow_registry.point_aliases(self.client, summary["model_name"],
                                                              labels)
        state.record_registry(os.path.dirname(summary["serving_path"]), summary["version"], {
            "parent_run_id": self.run_id, **registered})
        return registered

    def _registered_version(self, name: str, summary: dict[str, Any]) -> Any:
        """The registry version already made for this serving version, if any."""
        from mlflow.exceptions import MlflowException

        try:
            versions = self.client.search_model_versions(f"name = '{name}'")
        except MlflowException:
            return None
        for version in versions:
            if (version.tags.get("serving_version") == str(summary["version"])
                    and version.tags.get("serving_path") == summary["serving_path"]):
                return version.version
        return None

    def _log_params(self, run_id: str, params: dict[str, Any]) -> None:
        self._log_batches(run_id, self._params(params), [])

    @staticmethod
    def _params(params: dict[str, Any]) -> list[Any]:
        from mlflow.entities import Param

        return [Param(k, str(v)[:MAX_PARAM_LENGTH]) for k, v in flatten(params).items()]

    def _log_batches(self, run_id: str, params: list[Any], metrics: list[Any]) -> None:
        """Params and metrics in as few log_batch calls as MLflow's limits allow."""
        for params_part, metrics_part in batches(params, metrics):
            self.client.log_batch(run_id, params=params_part, metrics=metrics_part)


# MLflow's log_batch limits: 100 params and 1,000 entities in all per call.
BATCH_PARAMS, BATCH_ENTITIES = 100, 1000


def batches(params: list[Any], metrics: list[Any]) -> list[tuple[list[Any], list[Any]]]:
    """(params, metrics) chunks within log_batch's limits, params first; none when empty."""
    chunks: list[tuple[list[Any], list[Any]]] = []
    while params or metrics:
        part_params, params = params[:BATCH_PARAMS], params[BATCH_PARAMS:]
        room = BATCH_ENTITIES - len(part_params)
        part_metrics, metrics = metrics[:room], metrics[room:]
        chunks.append((part_params, part_metrics))
    return chunks


def _millis(seconds: float) -> int:
    """Wall-clock seconds as MLflow's milliseconds."""
    return int(seconds * 1000)
