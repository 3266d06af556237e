"""`tfpipe run`: resolve config and data, build the task's DAG, run it, summarize."""
from __future__ import annotations

import os
import time
from typing import Any

from tfpipe import config as cfg
from tfpipe.data_fingerprint import data_files
from tfpipe.errors import InputError
from tfpipe.registry import load_task, task_info


def prepare_config(task: str, config_file: str | None, sets: list[str]) -> dict[str, Any]:
    """Task defaults + file + overrides, validated by the task."""
    info = task_info(task)
    values = cfg.load_file(config_file) if config_file else {}
    config = cfg.resolve(info.settings, values, sets)
    config["model_name"] = config["model_name"] or info.default_model_name
    return config


def run_task(task: str, data: str | None, config_file: str | None, sets: list[str],
             workdir: str, beam_args: list[str], quiet: bool = False) -> dict[str, Any]:
    """Run one task end to end and return the --json summary."""
    from tfpipe.runner import LocalRunner
    from tfpipe.tracking_hook import TrackingHook
    from tfpipe.tracking_process import BackgroundTracker
    from tfpipe.pipelines.standard import WARM_IMPORTS, create_pipeline

    started = time.perf_counter()
    config = prepare_config(task, config_file, sets)
    hooks = load_task(task)
    paths = cfg.run_paths(workdir, config)
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
    tracker = BackgroundTracker(paths, config["experiment_name"] or pipeline.name, task,
                                config, data)
    state = LocalRunner(paths.workdir, beam_args, hooks=[TrackingHook(tracker)], quiet=quiet,
                        warm_imports=WARM_IMPORTS).run(pipeline)
    return summarize(state, tracker, time.perf_counter() - started)


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
