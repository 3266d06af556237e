"""Orchestrator overhead: the forecasting pipeline under `airflow dags test` (one process per
component) against the in-process `tfpipe run`, on the same embedded data and config, and the
fully cached re-run under Airflow. Needs the airflow extra in this Python's environment."""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
from datetime import datetime
from typing import Any

from common import BIN, help_seconds, last_json_line, machine, timed

COMPONENTS = ["ingest", "transform", "train", "evaluate", "push"]


def airflow_env(home: str, dags: str) -> dict[str, str]:
    """An Airflow of its own: sqlite metadata under `home`, no example DAGs."""
    return {"AIRFLOW_HOME": home, "AIRFLOW__CORE__DAGS_FOLDER": dags,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}


def task_seconds(home: str) -> dict[str, float]:
    """Airflow's own duration of each task of its latest DAG run (start to end of the task)."""
    with sqlite3.connect(os.path.join(home, "airflow.db")) as db:
        run_id, = db.execute("SELECT run_id FROM dag_run ORDER BY id DESC LIMIT 1").fetchone()
        rows = db.execute("SELECT task_id, start_date, end_date FROM task_instance "
                          "WHERE run_id = ?", (run_id,)).fetchall()
    return {task: round((datetime.fromisoformat(end) - datetime.fromisoformat(start))
                        .total_seconds(), 2) for task, start, end in rows}


def component_seconds(workdir: str) -> dict[str, dict[str, float]]:
    """tfpipe's own seconds per component, per orchestrator run (from the nested MLflow runs)."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    experiment = client.get_experiment_by_name("forecasting")
    found: dict[str, dict[str, float]] = {}
    for run in client.search_runs([experiment.experiment_id]):
        parent = run.data.tags.get("tfpipe.orchestrator_run_id")
        if parent and "mlflow.parentRunId" in run.data.tags:
            found.setdefault(parent, {})[run.info.run_name] = round(
                run.data.metrics["seconds"], 2)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", default=None, help="parent folder of the three workdirs")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    root = args.workdir or tempfile.mkdtemp(prefix="tfpipe-bench-orchestrator-")
    sets = sum((["--set", s] for s in args.sets), [])
    tfpipe = os.path.join(BIN, "tfpipe")

    local_dir = os.path.join(root, "local")
    local = timed([tfpipe, "run", "forecasting", "--workdir", local_dir, "--json", "--quiet",
                   *sets])
    local_result = last_json_line(local["stdout"])

    home, dags, work = (os.path.join(root, name) for name in ("airflow", "dags", "airflow-work"))
    timed([tfpipe, "export", "airflow", "forecasting", "-o", dags, "--workdir", work, *sets])
    env = airflow_env(home, dags)
    migrate = timed([os.path.join(BIN, "airflow"), "db", "migrate"], env)
    cold = timed([os.path.join(BIN, "airflow"), "dags", "test", "tfpipe_forecasting"], env)
    cold_tasks = task_seconds(home)
    cached = timed([os.path.join(BIN, "airflow"), "dags", "test", "tfpipe_forecasting"], env)
    cached_tasks = task_seconds(home)
    inside = list(component_seconds(work).values())

    report: dict[str, Any] = {
        "benchmark": "orchestrator_overhead",
        "settings": args.sets,
        "machine": machine(),
        "in_process": {"seconds_per_component": {k: v for k, v in local_result["seconds"].items()
                                                 if k != "total"},
                       "total_seconds": round(local["seconds"], 2),
                       "blessed": local_result["blessed"],
                       "pushed_version": local_result["pushed_version"]},
        "airflow_db_migrate_seconds": round(migrate["seconds"], 2),
        "airflow_cold": {"task_seconds": cold_tasks,
                         "component_seconds_inside_tasks": max(inside, key=lambda d: sum(
                             d.values())) if inside else {},
                         "total_seconds": round(cold["seconds"], 2)},
        "airflow_cached": {"task_seconds": cached_tasks,
                           "total_seconds": round(cached["seconds"], 2)},
        "pushed_versions": sorted(int(v) for v in os.listdir(
            os.path.join(work, "serving", "forecasting")) if v.isdigit()),
        "help_seconds": round(help_seconds(), 3),
    }
    report["airflow_over_in_process"] = round(
        report["airflow_cold"]["total_seconds"] / report["in_process"]["total_seconds"], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
