"""`tfpipe run`: resolve config and data, build the task's DAG, run it, summarize."""
from __future__ import annotations

import os
import time
from typing import Any

from tfpipe import config as cfg
from tfpipe.data_fingerprint import data_files
from tfpipe.errors import InputError
from tfpipe.files import ensure_within, prepare_workdir
from tfpipe.locking import lock_path, pipeline_lock
from tfpipe.registry import load_task, task_info
from tfpipe.tracking_check import StoreCheck


def prepare_config(task: str, config_file: str | None, sets: list[str]) -> dict[str, Any]:
    """Task defaults + file + overrides, validated by the task."""
    info = task_info(task)
    values = cfg.load_file(config_file) if config_file else {}
    config = cfg.resolve(info.settings, values, sets)
    config["model_name"] = config["model_name"] or info.default_model_name
    return config


def run_task(task: str, data: str | None, config_file: str | None, sets: list[str],
             workdir: str, beam_args: list[str], quiet: bool = False, wait: bool = True,
             tracking: bool = True) -> dict[str, Any]:
    """Run one task end to end and return the --json summary."""
    started = time.perf_counter()
    config = prepare_config(task, config_file, sets)
    paths = cfg.run_paths(workdir, config)
    name = check_paths(task, config, paths)
    # Nothing is written until here: the config is valid and every path lies where it should.
    store_check = StoreCheck(paths.tracking_uri) if tracking else None
    prepare_workdir(paths.workdir)
    with pipeline_lock(paths.workdir, name, wait=wait, quiet=quiet):
        return _run_locked(task, data, config, paths, beam_args, quiet, store_check, started)


def _run_locked(task: str, data: str | None, config: dict[str, Any], paths: cfg.RunPaths,
                beam_args: list[str], quiet: bool, store_check: StoreCheck | None,
                started: float) -> dict[str, Any]:
    """The run itself, under the pipeline's lock."""
    from tfpipe.runner import LocalRunner
    from tfpipe.tracking_hook import TrackingHook
    from tfpipe.tracking_process import BackgroundTracker
    from tfpipe.pipelines.standard import WARM_IMPORTS, create_pipeline

    hooks = load_task(task)
    if data is None:
        data = hooks.default_data(os.path.join(paths.workdir, "data"), config)
    data = os.path.abspath(data)
    try:
        data_files(data)
    except FileNotFoundError:
        raise InputError(f"{data}: no such file, folder or matching glob (pass --data PATH)") \
            from None
    config = hooks.resolve_config(config, data)
    pipeline = create_pipeline(hooks.info, config, data, paths)
    tracker: Any = Untracked()
    run_hooks: list[Any] = []
    if store_check is not None:
        store_check.result()  # before any component: a dead store stops the run here
        tracker = BackgroundTracker(paths, config["experiment_name"] or pipeline.name, task,
                                    config, data)
        run_hooks = [TrackingHook(tracker)]
    state = LocalRunner(paths.workdir, beam_args, hooks=run_hooks, quiet=quiet,
                        warm_imports=WARM_IMPORTS).run(pipeline)
    return summarize(state, tracker, time.perf_counter() - started)


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
    return {
        "run_id": tracker.run_id,
        "task": state.pipeline.task,
        "blessed": bool(evaluation.get("blessed")),
        "reason": evaluation.get("reason"),
        "metrics": evaluation.get("metrics", {}),
        "pushed_version": push.get("version") if push.get("pushed") else None,
        "serving_path": push.get("serving_path") if push.get("pushed") else None,
        "registered_model": tracker.registered,
        "cached": [name for name, o in state.outcomes.items() if o.cached],
        "ran": {name: o.reason for name, o in state.outcomes.items() if not o.cached},
        "seconds": {**{name: round(o.seconds, 3) for name, o in state.outcomes.items()},
                    "total": round(seconds, 3)},
        "workdir": state.workdir,
    }
