"""Ingest and transform on Beam's portable runner give the DirectRunner's artifacts.

Beam's own job service and an external worker pool (bound to 127.0.0.1) speak the protocol
a Flink or Spark job server speaks; only the cluster behind it differs.
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import time

import pytest

from tfpipe.local_run import run_task

pytestmark = pytest.mark.slow
HERE = os.path.dirname(os.path.abspath(__file__))
READY_DEADLINE_SECONDS = 300
QUICK = {"forecasting": ["epochs=1", "ensemble_size=1"],
         "text": ["epochs=1", "model=pooled", "materialize=true"]}


def _start(command: list[str], port_file: str, log: str) -> subprocess.Popen:
    """Start a service and wait (polling, generously) until it has written its port."""
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep
           + os.environ.get("PATH", "")}  # the worker pool starts `python` SDK workers
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while not os.path.exists(port_file):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            with open(log, encoding="utf-8") as handle:
                pytest.fail(f"{command[2]} did not start: {handle.read()[-2000:]}")
        time.sleep(0.2)
    return process


@pytest.fixture(scope="module")
def portable_args(tmp_path_factory):
    """Pipeline options for a local job service and a loopback worker pool."""
    folder = tmp_path_factory.mktemp("beam-services")
    pool = _start([sys.executable, os.path.join(HERE, "loopback_worker_pool.py"),
                   str(folder / "pool.port")], str(folder / "pool.port"),
                  str(folder / "pool.log"))
    jobs = _start([sys.executable, "-m",
                   "apache_beam.runners.portability.local_job_service_main", "--port", "0",
                   "--port_file", str(folder / "jobs.port")], str(folder / "jobs.port"),
                  str(folder / "jobs.log"))
    ports = {name: (folder / f"{name}.port").read_text().strip() for name in ("pool", "jobs")}
    yield ["--runner=PortableRunner", f"--job_endpoint=localhost:{ports['jobs']}",
           "--environment_type=EXTERNAL", f"--environment_config=127.0.0.1:{ports['pool']}"]
    for process in (jobs, pool):
        process.kill()
        process.wait(timeout=60)


def _artifact(workdir: str, task: str, component: str) -> str:
    (path,) = [p for p in glob.glob(os.path.join(workdir, "artifacts", task, component, "*"))
               if not os.path.basename(p).startswith(".")]
    return path


def _records(folder: str) -> dict[str, list[bytes]]:
    """Every TFRecord under folder, per split, as sorted serialized records."""
    import tensorflow as tf

    found: dict[str, list[bytes]] = {}
    for split_dir in sorted(glob.glob(os.path.join(folder, "Split-*"))):
        files = sorted(glob.glob(os.path.join(split_dir, "*")))
        records = [r.numpy() for r in tf.data.TFRecordDataset(files, compression_type="GZIP")] \
            if files and files[0].endswith(".gz") else \
            [r.numpy() for r in tf.data.TFRecordDataset(files)]
        found[os.path.basename(split_dir)] = sorted(records)
    return found


def _parsed(records: list[bytes]) -> list[dict[str, list]]:
    """tf.Examples as {feature: values}, ordered by their values rounded (floats may differ
    in the last bit: analyzers combine partial sums in another order on another runner)."""
    import tensorflow as tf

    examples = []
    for record in records:
        features = tf.train.Example.FromString(record).features.feature
        examples.append({name: list(getattr(value, value.WhichOneof("kind")).value)
                         for name, value in sorted(features.items())})
    return sorted(examples, key=lambda e: json.dumps(
        {k: [round(v, 3) if isinstance(v, float) else str(v) for v in vs]
         for k, vs in e.items()}, sort_keys=True))


def _close(a: object, b: object) -> bool:
    """JSON values equal, numbers to float rounding (sums may be combined in another order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))  # type: ignore[arg-type]
    return a == b


def _statistics(workdir: str, task: str) -> dict[str, object]:
    folder = os.path.join(_artifact(workdir, task, "ingest"), "statistics")
    return {name: json.load(open(os.path.join(folder, name), encoding="utf-8"))
            for name in sorted(os.listdir(folder))}


def _transform_assets(workdir: str, task: str) -> dict[str, bytes]:
    root = os.path.join(_artifact(workdir, task, "transform"), "transform_graph", "transform_fn")
    return {os.path.relpath(p, root): open(p, "rb").read()
            for p in glob.glob(os.path.join(root, "assets", "*"))}


def _assert_same_data_artifacts(expected: str, actual: str, task: str) -> None:
    assert _close(_statistics(expected, task), _statistics(actual, task))
    examples = ("ingest", "examples")
    assert _records(os.path.join(_artifact(expected, task, examples[0]), examples[1])) == \
        _records(os.path.join(_artifact(actual, task, examples[0]), examples[1]))
    assert _transform_assets(expected, task) == _transform_assets(actual, task)
    transformed = ("transform", "transformed_examples")
    direct = _records(os.path.join(_artifact(expected, task, transformed[0]), transformed[1]))
    other = _records(os.path.join(_artifact(actual, task, transformed[0]), transformed[1]))
    assert direct, "the transform wrote no transformed records to compare"
    assert direct.keys() == other.keys()
    for split, records in direct.items():
        assert _close(_parsed(records), _parsed(other[split])), split


@pytest.mark.parametrize("task", ["forecasting", "text"])
def test_portable_runner_matches_the_direct_runner(task, portable_args, tmp_path):
    direct = run_task(task, None, None, QUICK[task], str(tmp_path / "direct"), [], quiet=True)
    portable = run_task(task, None, None, QUICK[task], str(tmp_path / "portable"),
                        portable_args, quiet=True)
    assert direct["pushed_version"] is not None or not direct["blessed"]
    assert portable["ran"].keys() >= {"ingest", "transform"}
    _assert_same_data_artifacts(str(tmp_path / "direct"), str(tmp_path / "portable"), task)


def test_multi_processing_matches_the_direct_runner(tmp_path):
    run_task("forecasting", None, None, QUICK["forecasting"], str(tmp_path / "direct"), [],
             quiet=True)
    run_task("forecasting", None, None, QUICK["forecasting"], str(tmp_path / "multi"),
             ["--direct_running_mode=multi_processing", "--direct_num_workers=2"], quiet=True)
    _assert_same_data_artifacts(str(tmp_path / "direct"), str(tmp_path / "multi"),
                                "forecasting")


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_worker_pool_that_is_not_there_fails_in_one_line_naming_the_runner(portable_args,
                                                                             tmp_path):
    from tfpipe.errors import ComponentFailed

    args = [a for a in portable_args if not a.startswith("--environment_config")]
    args.append(f"--environment_config=127.0.0.1:{_closed_port()}")
    with pytest.raises(ComponentFailed) as failure:
        run_task("forecasting", None, None, QUICK["forecasting"], str(tmp_path), args,
                 quiet=True)
    message = str(failure.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("component ingest failed: the Beam job on PortableRunner "
                              f"{args[1]} --environment_type=EXTERNAL lost its job service or "
                              "a worker (gRPC UNAVAILABLE")
