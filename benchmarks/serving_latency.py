"""Benchmark: predict latency per task through REST and gRPC (against the loopback stand-ins
for TF Serving) and in-process serving_default; first-request latency with and without the
warmup requests. Prints JSON.

    .venv/bin/python benchmarks/serving_latency.py [--workdir DIR] [--requests N] [--tasks a,b]

Each task runs once on its embedded default data (short training, forced blessing: latency
depends on the model's graph, not on how well it was trained), then N sequential
single-example requests go to each path over a kept-open connection.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402

SETTINGS = {
    "forecasting": ["epochs=2"],
    "vision": ["epochs=1"],
    "text": ["epochs=1"],
    "text-generation": ["epochs=1"],
}
FORCE = "force_bless=serving latency benchmark"

# A fresh interpreter per measurement, so nothing is traced or cached before the first request.
FIRST_REQUEST = r'''
import json, sys, time
import numpy as np
from tfpipe.serving.rest_json import to_array
from tfpipe.serving.standin import load_version
path, example, warmup = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
loaded = load_version(path, warmup=warmup)
specs = loaded.specs["serving_default"]
inputs = {k: to_array(v, specs[k].dtype.as_numpy_dtype) for k, v in example.items()}
times = []
for _ in range(2):
    started = time.perf_counter()
    loaded.run("serving_default", inputs)
    times.append(time.perf_counter() - started)
print(json.dumps({"load_seconds": loaded.load_seconds, "warmup_seconds": loaded.warmup_seconds,
                  "first_request_seconds": times[0], "second_request_seconds": times[1]}))
'''


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds, and sequential requests per second."""
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(p99 * 1000, 3),
            "requests_per_second": round(len(seconds) / sum(seconds), 1)}


def measure(call: Callable[[], Any], count: int) -> dict[str, float]:
    """Time `count` calls after five unmeasured ones."""
    for _ in range(5):
        call()
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


def first_request(path: str, example: dict[str, Any], warmup: bool,
                  repeats: int) -> dict[str, float]:
    """Median load, warmup and first/second request seconds over fresh interpreters."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", FIRST_REQUEST, path, json.dumps(example),
                              "1" if warmup else "0"], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {key.replace("_seconds", "_ms"):
            round(statistics.median(r[key] for r in runs) * 1000, 2) for key in ("load_seconds", "warmup_seconds", "first_request_seconds",
                        "second_request_seconds")}


def run_pipeline(task: str, workdir: str) -> dict[str, Any]:
    """`tfpipe run TASK` on its default data, pushed; its --json summary."""
    command = [os.path.join(common.BIN, "tfpipe"), "run", task, "--workdir", workdir, "--json",
               "--quiet", "--set", FORCE, *sum((["--set", s] for s in SETTINGS[task]), [])]
    return common.last_json_line(common.timed(command)["stdout"])


def task_figures(task: str, workdir: str, count: int, repeats: int) -> dict[str, Any]:
    """Latency of one task's pushed model through each path."""
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    from tfpipe.serving.rest_json import to_array
    from tfpipe.serving.standin import ServedModels, start_grpc_server, start_rest_server

    result = run_pipeline(task, workdir)
    path, model = result["serving_path"], os.path.basename(os.path.dirname(result["serving_path"]))
    push_dir = os.path.join(workdir, "artifacts", task, "push")
    (key,) = [d for d in os.listdir(push_dir) if not d.startswith(".")]
    with open(os.path.join(push_dir, key, "pushed_model", "input_example.json")) as handle:
        example = {k: v[:1] for k, v in json.load(handle)["inputs"].items()}

    served = ServedModels(os.path.join(workdir, "serving"))
    served.refresh()
    grpc_server, grpc_port = start_grpc_server(served)
    rest_server, rest_port = start_rest_server(served)
    try:
        _, loaded = served.resolve(model)
        specs = loaded.specs["serving_default"]
        arrays = {k: to_array(v, specs[k].dtype.as_numpy_dtype) for k, v in example.items()}
        signature = loaded.model.signatures["serving_default"]
        tensors = {k: tf.constant(v, dtype=specs[k].dtype) for k, v in arrays.items()}

        request = predict_pb2.PredictRequest()
        request.model_spec.name = model
        request.model_spec.signature_name = "serving_default"
        for name, value in arrays.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(value, dtype=specs[name].dtype))
        channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)

        connection = http.client.HTTPConnection("127.0.0.1", rest_port, timeout=60)
        body = json.dumps({"inputs": example})

        def rest() -> None:
            connection.request("POST", f"/v1/models/{model}:predict", body,
                               {"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(payload[:500])

        figures = {
            "in_process": measure(lambda: signature(**tensors), count),
            "grpc": measure(lambda: stub.Predict(request, timeout=60), count),
            "rest": measure(rest, count),
        }
        channel.close()
        connection.close()
    finally:
        grpc_server.stop(grace=None)
        rest_server.shutdown()
    figures["first_request_with_warmup"] = first_request(path, example, True, repeats)
    figures["first_request_without_warmup"] = first_request(path, example, False, repeats)
    figures["model_version"] = result["pushed_version"]
    return figures


def main() -> None:
    """Run every task, measure, print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per path")
    parser.add_argument("--repeats", type=int, default=3,
                        help="fresh interpreters per first-request figure")
    parser.add_argument("--tasks", default=",".join(SETTINGS))
    args = parser.parse_args()
    root = args.workdir or tempfile.mkdtemp(prefix="tfpipe-bench-serving-")
    report: dict[str, Any] = {"benchmark": "serving_latency", "machine": common.machine(),
                              "requests_per_path": args.requests, "tasks": {}}
    for task in args.tasks.split(","):
        report["tasks"][task] = task_figures(task, os.path.join(root, task), args.requests,
                                             args.repeats)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
