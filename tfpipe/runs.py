"""`tfpipe runs`: list pipeline runs (parents only) from a workdir's MLflow store, or compare two."""
from __future__ import annotations

import datetime
import os
from typing import Any

from tfpipe import config as cfg
from tfpipe.errors import InputError
from tfpipe.mlflow_store import sqlite_path

MAX_RUNS = 1000
CODE_PREFIX = "tfpipe.code."


def open_store(workdir: str) -> tuple[Any, cfg.RunPaths]:
    """An MLflow client on the workdir's store (or $MLFLOW_TRACKING_URI), never made here;
    when the store is absent or unusable, one line saying why instead of a hang."""
    from tfpipe.tracking_check import check_store

    paths = cfg.run_paths(workdir, {})
    database = sqlite_path(paths.tracking_uri)
    if database is not None and not os.path.isfile(database):
        raise InputError(f"{database}: no MLflow store here; run `tfpipe run TASK --workdir "
                         f"{workdir}` first, or pass the --workdir of an earlier run")
    check_store(paths.tracking_uri, hint="point MLFLOW_TRACKING_URI at the store the runs "
                "were logged to, or unset it for the workdir's own")
    import logging

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from tfpipe.mlflow_artifacts import client_for

    return client_for(paths.tracking_uri, paths.mlartifacts), paths


def pipeline_runs(client: Any, task: str | None = None) -> list[Any]:
    """Parent runs (one per `tfpipe run`), newest first, of every experiment or of one task."""
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    query = f"tags.`tfpipe.task` = '{task}'" if task else ""
    runs = client.search_runs(experiments, query, max_results=MAX_RUNS,
                              order_by=["attributes.start_time DESC"])
    return [r for r in runs
            if "tfpipe.task" in r.data.tags and "mlflow.parentRunId" not in r.data.tags]


def headline(run: Any) -> dict[str, Any]:
    """The task's primary metric: candidate, the best task baseline, and the champion."""
    from tfpipe.components.blessing import LOWER_IS_BETTER
    from tfpipe.registry import task_info

    try:
        metric = task_info(run.data.tags["tfpipe.task"]).primary_metric
    except InputError:  # a task this installation does not have
        return {}
    values = {key.split("/", 1)[1]: value for key, value in run.data.metrics.items()
              if key.startswith(f"{metric}/")}
    baselines = {name: value for name, value in values.items()
                 if name not in {"candidate", "champion"}}
    best = None
    if baselines:
        pick = min if metric in LOWER_IS_BETTER else max
        best = pick(baselines, key=lambda name: baselines[name])
    return {"metric": metric, "candidate": values.get("candidate"), "best_baseline": best,
            "baseline": baselines.get(best) if best else None,
            "champion": values.get("champion")}


def describe(run: Any) -> dict[str, Any]:
    """One row of `tfpipe runs`."""
    tags = run.data.tags
    version = tags.get("tfpipe.pushed_version") or None
    cached = [c for c in tags.get("tfpipe.cached_components", "").split(",") if c]
    blessed = tags.get("tfpipe.blessed")
    return {
        "run_id": run.info.run_id,
        "run_name": run.info.run_name,
        "task": tags.get("tfpipe.task"),
        "started": _iso(run.info.start_time),
        "seconds": ((run.info.end_time - run.info.start_time) / 1000
                    if run.info.end_time else None),
        "status": run.info.status,
        "blessed": None if blessed is None else blessed == "true",
        "forced": "tfpipe.forced_blessing" in tags,
        "headline": headline(run),
        "pushed_version": int(version) if version else None,
        "registered_model": tags.get("tfpipe.registered_model"),
        "cached": cached,
    }


def format_table(rows: list[dict[str, Any]]) -> str:
    """Aligned text columns, newest run first."""
    header = ["started", "run", "task", "status", "blessed", "headline", "pushed", "cached"]
    lines = [header]
    for row in rows:
        blessed = {None: "-", True: "yes", False: "no"}[row["blessed"]]
        if row["forced"]:
            blessed += " (forced)"
        lines.append([row["started"], row["run_id"][:12], row["task"] or "", row["status"],
                      blessed, _headline_text(row["headline"]),
                      str(row["pushed_version"]) if row["pushed_version"] else "-",
                      ",".join(row["cached"]) or "-"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
                     for line in lines)


def find_run(client: Any, runs: list[Any], prefix: str, flag: str = "--compare") -> Any:
    """The pipeline run whose id starts with `prefix`; InputError when none or several."""
    if not prefix.strip():
        raise InputError(f"{flag}: an empty run id; give a run id or its first characters "
                         f"(see `tfpipe runs`)")
    matches = [r for r in runs if r.info.run_id.startswith(prefix)]
    if len(matches) != 1:
        found = "no" if not matches else f"{len(matches)}"
        raise InputError(f"{flag} {prefix}: {found} pipeline runs match; give more of the "
                         "run id (see `tfpipe runs`)")
    return matches[0]


def compare(a: Any, b: Any) -> dict[str, Any]:
    """What changed from run a to run b: config, data, code (per component) and metrics."""
    params = {key: [a.data.params.get(key), b.data.params.get(key)]
              for key in sorted(set(a.data.params) | set(b.data.params))
              if a.data.params.get(key) != b.data.params.get(key)}
    code = sorted(key[len(CODE_PREFIX):] for key in set(a.data.tags) | set(b.data.tags)
                  if key.startswith(CODE_PREFIX) and a.data.tags.get(key) != b.data.tags.get(key))
    metrics = {key: [a.data.metrics.get(key), b.data.metrics.get(key)]
               for key in sorted(set(a.data.metrics) | set(b.data.metrics))
               if a.data.metrics.get(key) != b.data.metrics.get(key)}
    fingerprints = [r.data.tags.get("tfpipe.data_fingerprint") for r in (a, b)]
    data = [r.data.tags.get("tfpipe.data") for r in (a, b)]
    return {"runs": [a.info.run_id, b.info.run_id],
            "config": params,
            "data": {"changed": fingerprints[0] != fingerprints[1], "fingerprint": fingerprints,
                     "path": data},
            "code": code,
            "metrics": metrics,
            "blessed": [r.data.tags.get("tfpipe.blessed") == "true" for r in (a, b)],
            "pushed_version": [r.data.tags.get("tfpipe.pushed_version") or None for r in (a, b)]}


def format_compare(diff: dict[str, Any]) -> str:
    """The comparison as readable lines."""
    first, second = (run_id[:12] for run_id in diff["runs"])
    lines = [f"{first} -> {second}"]
    lines.append("config: " + ("unchanged" if not diff["config"] else ""))
    lines += [f"  {key}: {old} -> {new}" for key, (old, new) in diff["config"].items()]
    data = diff["data"]
    lines.append("data: " + (f"changed ({data['fingerprint'][0]} -> {data['fingerprint'][1]})"
                             if data["changed"] else f"unchanged ({data['fingerprint'][0]})"))
    lines.append("code: " + (f"changed in {', '.join(diff['code'])}" if diff["code"]
                             else "unchanged"))
    lines.append("metrics:" + ("" if diff["metrics"] else " unchanged"))
    for key, (old, new) in diff["metrics"].items():
        if key == "total_seconds":
            continue
        change = f" ({new - old:+.4g})" if old is not None and new is not None else ""
        lines.append(f"  {key}: {_number(old)} -> {_number(new)}{change}")
    lines.append(f"blessed: {diff['blessed'][0]} -> {diff['blessed'][1]}; pushed version: "
                 f"{diff['pushed_version'][0] or '-'} -> {diff['pushed_version'][1] or '-'}")
    return "\n".join(lines)


def _headline_text(head: dict[str, Any]) -> str:
    if not head or head.get("candidate") is None:
        return "-"
    text = f"{head['metric']} {head['candidate']:.4g}"
    if head["best_baseline"]:
        text += f" vs {head['best_baseline']} {head['baseline']:.4g}"
    if head.get("champion") is not None:
        text += f", champion {head['champion']:.4g}"
    return text


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _iso(millis: int | None) -> str:
    if not millis:
        return "-"
    return datetime.datetime.fromtimestamp(millis / 1000).strftime("%Y-%m-%d %H:%M:%S")
