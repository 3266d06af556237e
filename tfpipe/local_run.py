"""`tfpipe run`: resolve config and data, build the task's DAG, run it, summarize."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from tfpipe import config as cfg
from tfpipe.beam_args import BeamArgsCheck
from tfpipe.data_fingerprint import data_files
from tfpipe.errors import InputError
from tfpipe.files import ensure_within, prepare_workdir
from tfpipe.locking import lock_path, pipeline_lock
from tfpipe.registry import load_task, task_info
from tfpipe.run_tmp import run_tmp
from tfpipe.tracking_check import StoreCheck
from tfpipe.tracking_orchestrated import check_orchestrator_run_id
from tfpipe.tracking_server import keepalive_seconds
from tfpipe.user_caches import check_shared_cache_dir, library_caches


def prepare_config(task: str, config_file: str | None, sets: list[str]) -> dict[str, Any]:
    """Task defaults + file + overrides, validated by the task."""
    info = task_info(task)
    values = cfg.load_file(config_file) if config_file else {}
    config = cfg.resolve(info.settings, values, sets, f"config file {config_file}")
    config["model_name"] = config["model_name"] or info.default_model_name
    return config


@dataclass
class Prepared:
    """A task's pipeline built from resolved config and data, and where it writes."""

    task: str
    config: dict[str, Any]
    data: str
    paths: cfg.RunPaths
    pipeline: Any  # tfpipe.pipeline.Pipeline (imported with the components, off start-up)


def prepare_pipeline(task: str, data: str | None, config_file: str | None, sets: list[str],
                     workdir: str) -> Prepared:
    """Config, data (the embedded default when None) and the task's DAG, as `tfpipe run` uses."""
    config = prepare_config(task, config_file, sets)
    return build_pipeline(task, data, config, cfg.run_paths(workdir, config))


def build_pipeline(task: str, data: str | None, config: dict[str, Any],
                   paths: cfg.RunPaths) -> Prepared:
    """The task's DAG over its data (written first when it is the embedded default)."""
    from tfpipe.pipelines.standard import create_pipeline

    hooks = load_task(task)
    if data is None:
        data = hooks.default_data(os.path.join(paths.workdir, "data"), config)
    data = os.path.abspath(data)
    if os.path.exists(data) and not (os.path.isfile(data) or os.path.isdir(data)):
        raise InputError(f"{data}: not a regular file or folder (a device, pipe or socket); "
                         f"pass --data FILE, FOLDER or GLOB")
    try:
        data_files(data)
    except FileNotFoundError:
        raise InputError(f"{data}: no such file, folder or matching glob (pass --data PATH)") \
            from None
    config = hooks.resolve_config(config, data)
    return Prepared(task, config, data, paths, create_pipeline(hooks.info, config, data, paths))


def run_task(task: str, data: str | None, config_file: str | None, sets: list[str],
             workdir: str, beam_args: list[str], quiet: bool = False, wait: bool = True,
             tracking: bool = True, component: str | None = None,
             run_id: str | None = None) -> dict[str, Any]:
    """Run one task end to end (or only `component`) and return the --json summary.

    `run_id` is an orchestrator's run id: every component process given the same id records
    into one MLflow parent run.
    """
    started = time.perf_counter()
    if run_id is not None:
        check_orchestrator_run_id(run_id)
        if not tracking:
            raise InputError(f"--run-id {run_id} names the MLflow run to record into, and "
                             "--no-tracking records nothing: drop one of them")
    beam_check = BeamArgsCheck(beam_args)  # its own process, while the config is read
    try:
        config = prepare_config(task, config_file, sets)
        paths = cfg.run_paths(workdir, config)
        name = check_paths(task, config, paths)
        check_shared_cache_dir()
        keepalive_seconds(config["tracking_keepalive_seconds"])  # a bad environment value
        beam_check.result()
    finally:
        beam_check.cancel()
    # Nothing is written until here: the config and the Beam options are valid, and every
    # path lies where it should.
    store_check = StoreCheck(paths.tracking_uri) if tracking else None
    prepare_workdir(paths.workdir)
    with pipeline_lock(paths.workdir, name, wait=wait, quiet=quiet), run_tmp(paths.workdir), \
            library_caches(paths.workdir):
        prepared = build_pipeline(task, data, config, paths)
        return _run_locked(prepared, beam_args, quiet, store_check, component, run_id,
                           started)


def _run_locked(prepared: Prepared, beam_args: list[str], quiet: bool,
                store_check: StoreCheck | None, component: str | None, run_id: str | None,
                started: float) -> dict[str, Any]:
    """The run itself, under the pipeline's lock."""
    from tfpipe.runner import LocalRunner
    from tfpipe.tracking_hook import TrackingHook
    from tfpipe.tracking_process import BackgroundTracker
    from tfpipe.tracking_review import logged_config
    from tfpipe.pipelines.standard import WARM_IMPORTS

    pipeline, config, paths = prepared.pipeline, prepared.config, prepared.paths
    if component is not None:
        pipeline.node(component)  # an unknown name fails before anything starts
    tracker: Any = Untracked()
    run_hooks: list[Any] = []
    if store_check is not None:
        store_check.result()  # before any component: a dead store stops the run here
        experiment = config["experiment_name"] or pipeline.name
        tracked = logged_config(load_task(prepared.task).filled_defaults(config), paths,
                                experiment)
        # An orchestrator's task runs once in its own process (or pod): nothing to wait for.
        keepalive = 0 if run_id else keepalive_seconds(config["tracking_keepalive_seconds"])
        tracker = BackgroundTracker(paths, experiment, prepared.task, tracked, prepared.data,
                                    tracker=orchestrated_tracker(prepared, experiment, tracked,
                                                                 component, run_id),
                                    keepalive=keepalive)
        run_hooks = [TrackingHook(tracker)]
    state = LocalRunner(paths.workdir, beam_args, hooks=run_hooks, quiet=quiet,
                        warm_imports=WARM_IMPORTS).run(pipeline, only=component)
    seconds = time.perf_counter() - started
    if component is not None:
        return summarize_component(state, component, tracker, seconds)
    return summarize(state, tracker, seconds)


def orchestrated_tracker(prepared: Prepared, experiment: str, tracked: dict[str, Any],
                         component: str | None, run_id: str | None) -> Any:
    """The tracker joining an orchestrator run's parent run, or None for a run of its own."""
    if run_id is None:
        return None
    from tfpipe.tracking_orchestrated import OrchestratedTracker

    nodes = prepared.pipeline.ordered()
    last = component is None or component == nodes[-1].name
    return OrchestratedTracker(prepared.paths, experiment, prepared.task, tracked,
                               prepared.data, run_id, closes_parent=last)


def summarize_component(state: Any, component: str, tracker: Any,
                        seconds: float) -> dict[str, Any]:
    """The JSON line of a single-component run."""
    outcome = state.outcomes[component]
    summary = outcome.record.report.get("summary", {})
    pushed = component == "push" and summary.get("pushed") and not outcome.cached
    return {
        "run_id": tracker.run_id,
        "task": state.pipeline.task,
        "component": component,
        "cached": outcome.cached,
        "reason": outcome.reason,
        "key": outcome.key,
        "artifact": outcome.record.directory,
        "pushed_version": summary.get("version") if pushed else None,
        "registered_model": tracker.registered,
        "seconds": {component: round(outcome.seconds, 3), "total": round(seconds, 3)},
        "workdir": state.workdir,
    }


def check_paths(task: str, config: dict[str, Any], paths: cfg.RunPaths) -> str:
    """The pipeline's name, once the folders that config names lie under the workdir or the
    serving folder (InputError otherwise); checked before anything is written."""
    from tfpipe.components.versions import model_base

    name = config.get("pipeline_name") or task  # as pipelines.standard names the pipeline
    model_base(paths.serving, config["model_name"])
    ensure_within(os.path.join(paths.artifacts, name), [paths.workdir],
                  f"pipeline {name!r}: artifact folder")
    lock_path(paths.workdir, name)
    return name


class Untracked:
    """The tracker of a `--no-tracking` run: no MLflow run, nothing registered."""

    run_id: str | None = None
    registered: dict[str, Any] | None = None


def summarize(state: Any, tracker: Any, seconds: float) -> dict[str, Any]:
    """The JSON line of DESIGN.md's CLI contract."""
    evaluation = state.outcomes["evaluate"].record.report.get("summary", {})
    push = state.outcomes["push"].record.report.get("summary", {})
    devices = state.outcomes.get("device_export")
    device_summary = devices.record.report.get("summary", {}) if devices else {}
    return {
        "run_id": tracker.run_id,
        "task": state.pipeline.task,
        "blessed": bool(evaluation.get("blessed")),
        "reason": evaluation.get("reason"),
        "metrics": evaluation.get("metrics", {}),
        "pushed_version": push.get("version") if push.get("pushed") else None,
        "serving_path": push.get("serving_path") if push.get("pushed") else None,
        "registered_model": tracker.registered,
        **({"device_exports": {
            name: {**row, "published": name in push.get("device_models", [])}
            for name, row in device_summary.get("device_exports", {}).items()}}
           if devices else {}),
        "cached": [name for name, o in state.outcomes.items() if o.cached],
        "ran": {name: o.reason for name, o in state.outcomes.items() if not o.cached},
        "seconds": {**{name: round(o.seconds, 3) for name, o in state.outcomes.items()},
                    "total": round(seconds, 3)},
        "workdir": state.workdir,
    }
