"""Benchmark: TFLite device variants against the SavedModel, per task. Prints JSON.

    .venv/bin/python benchmarks/device_exports.py [--task vision|forecasting] [--workdir DIR]
        [--data-root ../shared/data] [--tfjs-env DIR]

Runs each task's pipeline on the shared data with every variant in `exports` (and a tolerance
that publishes any variant, so every row is measured), then reads the device export's table
(size, metric, difference, conversion seconds, interpreter ms per example) and times the
SavedModel's serving_default one example at a time on the same eval examples.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from common import SHARED_DATA, last_json_line, machine, timed  # noqa: E402

VARIANTS = "exports=tflite_float32,tflite_float16,tflite_dynamic_int8,tflite_int8"
TASKS = {
    "vision": (os.path.join("vision", "mnist"), ["split_index=8000"]),
    "forecasting": (os.path.join("forecasting", "Sunspots.csv"), [
        "time_column=Date", "value_column=Monthly Mean Total Sunspot Number",
        "split_index=3000", "window_size=30"]),
}


def artifact_dir(workdir: str, task: str, component: str) -> str:
    """The newest folder of one component's runs."""
    root = os.path.join(workdir, "artifacts", task, component)
    folders = [os.path.join(root, d) for d in os.listdir(root) if not d.startswith(".")]
    return max(folders, key=os.path.getmtime)


def serving_latency_ms(task: str, workdir: str, params: dict[str, Any]) -> float:
    """Mean ms per example of serving_default called one eval example at a time."""
    from tfpipe.components import tfrecords
    from tfpipe.components.scoring import load_signature
    from tfpipe.registry import load_task

    hooks = load_task(task)
    raw = tfrecords.load_split(os.path.join(artifact_dir(workdir, task, "ingest"), "examples"),
                               "eval", hooks.raw_feature_spec(params))
    inputs = hooks.eval_inputs(raw)
    signature = load_signature(os.path.join(artifact_dir(workdir, task, "train"), "model"))
    import tensorflow as tf

    specs = signature.structured_input_signature[1]
    count = len(next(iter(inputs.values())))
    feeds = [{k: tf.constant(v[i:i + 1], dtype=specs[k].dtype) for k, v in inputs.items()}
             for i in range(count)]
    signature(**feeds[0])  # the first call traces
    started = time.perf_counter()
    for feed in feeds:
        signature(**feed)
    return (time.perf_counter() - started) / count * 1e3


def measure(task: str, workdir: str, data_root: str, tfjs_env: str) -> dict[str, Any]:
    """One task: its pipeline run with every variant, and the per-variant table."""
    data, settings = TASKS[task]
    variants = [f"{VARIANTS},tfjs", f"tfjs_env={tfjs_env}"] if tfjs_env else [VARIANTS]
    command = [os.path.join(os.path.dirname(sys.executable), "tfpipe"), "run", task, "--data",
               os.path.join(data_root, data), "--workdir", workdir, "--json", "--quiet",
               *sum((["--set", s] for s in settings + variants + ["export_tolerance=0.99"]),
                    [])]
    run = timed(command)
    result = last_json_line(run["stdout"])
    folder = artifact_dir(workdir, task, "device_export")
    with open(os.path.join(folder, "device_evaluation", "exports.json"), encoding="utf-8") as f:
        table = json.load(f)
    with open(os.path.join(folder, "artifact.json"), encoding="utf-8") as handle:
        params = json.load(handle)["params"]["params"]
    serving_ms = serving_latency_ms(task, workdir, params)
    metric = table["metric"]
    rows = {row["variant"]: row for row in table["variants"]}
    float32 = (rows.get("tflite_float32") or {}).get("size_bytes")
    return {
        "metric": metric,
        "eval_examples": table["eval_examples"],
        "saved_model": {metric: table["saved_model_value"],
                        "serving_default_ms_per_example": round(serving_ms, 4)},
        "variants": {name: {
            "size_bytes": row["size_bytes"],
            "size_vs_float32": (round(row["size_bytes"] / float32, 4)
                                if row["size_bytes"] and float32 else None),
            metric: row[metric], "difference": row["difference"],
            "conversion_seconds": (round(row["conversion_seconds"], 2)
                                   if row["conversion_seconds"] else None),
            "interpreter_ms_per_example": (round(row["latency_ms_per_example"], 4)
                                           if row["latency_ms_per_example"] else None),
            **({"error": row["error"]} if "error" in row else {})}
            for name, row in rows.items()},
        "device_export_seconds": result["seconds"].get("device_export"),
        "pipeline_seconds": round(run["seconds"], 1),
        "blessed": result["blessed"],
    }


def main() -> None:
    """Measure the chosen tasks and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", choices=sorted(TASKS), action="append")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--data-root", default=SHARED_DATA,
                        help="the shared data folder (default: ../shared/data beside the repo)")
    parser.add_argument("--tfjs-env", default="",
                        help="also measure the tfjs variant (a folder made by .ci/tfjs-env)")
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "device_exports", "machine": machine(),
                              "goals": {"vision_int8_size_vs_float32_max": 0.30,
                                        "vision_int8_accuracy_drop_max": 0.005}}
    for task in args.task or sorted(TASKS):
        workdir = os.path.join(args.workdir, task) if args.workdir else tempfile.mkdtemp(
            prefix=f"tfpipe-bench-devices-{task}-")
        report[task] = measure(task, workdir, args.data_root, args.tfjs_env)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
