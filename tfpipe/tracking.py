"""MLflow tracking of one pipeline run from plain data; components never call MLflow."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from tfpipe.cache import flatten
from tfpipe.config import RunPaths
from tfpipe.faults import pause_point
from tfpipe.run_sweep import PARENT_TAG, owner_tags, sweep_stale_runs

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


@dataclass(frozen=True)
class RunEnd:
    """The headline of a finished run: its total seconds, eval metrics and pushed version."""

    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    pushed_version: int | None = None


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

    def start(self) -> None:
        """Create (or reuse) the experiment and open the parent run."""
        self.open_experiment()
        self.run_id = self.create_parent(self.owner)

    def open_experiment(self) -> None:
        """Connect to the store and create (or reuse) the pipeline's experiment."""
        import logging

        from mlflow.tracking import MlflowClient

        from tfpipe.mlflow_store import seed_new_store

        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no DB-migration chatter
        logging.getLogger("alembic").setLevel(logging.WARNING)
        seed_new_store(self.paths.tracking_uri)
        self.client = MlflowClient(tracking_uri=self.paths.tracking_uri)
        experiment = self.client.get_experiment_by_name(self.experiment_name)
        if experiment is None:
            location = None
            if self.paths.tracking_uri.startswith("sqlite:"):
                os.makedirs(self.paths.mlartifacts, exist_ok=True)
                location = f"file://{self.paths.mlartifacts}"
            self.experiment_id = self.client.create_experiment(self.experiment_name,
                                                               artifact_location=location)
        else:
            self.experiment_id = experiment.experiment_id
        sweep_stale_runs(self.client, [self.experiment_id])

    def create_parent(self, tags: dict[str, str]) -> str:
        """Open a parent run with the config as params; its run id."""
        run_name = f"{self.task}-{time.strftime('%Y%m%d-%H%M%S')}"
        run = self.client.create_run(self.experiment_id, run_name=run_name,
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
        """A nested run with the component's params, metrics, per-epoch history and plots."""
        from mlflow.entities import Metric

        report = event.report
        child = self.client.create_run(self.experiment_id, run_name=event.name, tags={
            "mlflow.parentRunId": self.run_id, "tfpipe.component": event.name,
            "tfpipe.cached": str(event.cached).lower(), "tfpipe.cache_key": event.key,
            "tfpipe.reason": event.reason, "tfpipe.artifact": event.directory,
            **self.component_tags(), **report.get("tags", {})})
        child_id = child.info.run_id
        self._log_params(child_id, report.get("params", {}))
        now = int(time.time() * 1000)
        metrics = [Metric(k, float(v), now, 0) for k, v in report.get("metrics", {}).items()]
        metrics.append(Metric("seconds", event.seconds, now, 0))
        for name, values in report.get("history", {}).items():
            metrics += [Metric(name, float(v), now, step) for step, v in enumerate(values)]
        for start in range(0, len(metrics), 900):
            self.client.log_batch(child_id, metrics=metrics[start:start + 900])
        for relative in report.get("plots", []):
            self.client.log_artifact(child_id, os.path.join(event.directory, relative), "plots")
        blessing = os.path.join(event.directory, "evaluation", "blessing.json")
        if os.path.exists(blessing):
            self.client.log_artifact(child_id, blessing)
            self._tag_blessing(blessing)
        summary = report.get("summary", {})
        if event.name == "push" and summary.get("pushed"):  # cached too: a killed run's
            self.registered = self._register(child_id, summary,  # push may be unregistered
                                             os.path.join(event.directory, "pushed_model"))
        self.client.set_terminated(child_id, "FINISHED")

    def finish(self, end: RunEnd) -> None:
        """Close the parent run with the headline metrics."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric("total_seconds", end.seconds, now, 0)]
        metrics += [Metric(k, float(v), now, 0) for k, v in end.metrics.items()]
        self.client.log_batch(self.run_id, metrics=metrics)
        self.client.set_tag(self.run_id, "tfpipe.pushed_version", str(end.pushed_version or ""))
        self.client.set_terminated(self.run_id, "FINISHED")

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

    def _tag_blessing(self, path: str) -> None:
        with open(path, encoding="utf-8") as handle:
            decision = json.load(handle)
        self.client.set_tag(self.run_id, "tfpipe.blessed", str(decision["blessed"]).lower())
        self.client.set_tag(self.run_id, "tfpipe.blessing_reason", decision["reason"][:5000])
        if decision.get("forced"):
            self.client.set_tag(self.run_id, "tfpipe.forced_blessing", decision["reason"])

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
        from mlflow.entities import Param

        items = [Param(k, str(v)[:MAX_PARAM_LENGTH]) for k, v in flatten(params).items()]
        for start in range(0, len(items), 90):
            self.client.log_batch(run_id, params=items[start:start + 90])
