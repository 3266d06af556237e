"""Real `tfpipe run`s killed (SIGKILL to the process group) at each component and inside
push, then resumed; two runs of one pipeline on one workdir at once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tfpipe.serving.state import STATE_FILE

pytestmark = pytest.mark.slow
TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")
# force_bless: every run pushes, whatever two epochs give.
SETS = ["model=dense", "epochs=2", "window_size=12", "force_bless=kill and lock tests"]
ALL = ["ingest", "transform", "train", "evaluate", "push"]
DEADLINE = 600  # seconds for one run to reach a point on a loaded 2-core machine


def start(workdir: str, log: str, pause: str | None = None, marker: str | None = None,
          extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """A real `tfpipe run forecasting` (default data) in its own process group."""
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    if pause:
        env["TFPIPE_PAUSE_AT"] = f"{pause}={marker}"
    command = [TFPIPE, "run", "forecasting", "--workdir", workdir, "--json",
               *sum((["--set", s] for s in SETS), []), *extra]
    with open(log, "w") as err, open(log + ".out", "w") as out:
        return subprocess.Popen(command, stdout=out, stderr=err, env=env,
                                start_new_session=True)


def kill_at(workdir: str, point: str, folder) -> str:
    """Run until `point`, SIGKILL the whole process group there; the run's stderr."""
    marker = str(folder / f"paused-{point.replace(':', '-')}")
    log = str(folder / f"run-{point.replace(':', '-')}.err")
    process = start(workdir, log, point, marker)
    deadline = time.monotonic() + DEADLINE
    while not os.path.exists(marker) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    stderr = open(log).read()
    assert os.path.exists(marker), f"never reached {point}:\n{stderr[-3000:]}"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return open(log).read()


def statuses(stderr: str) -> dict[str, str]:
    """component -> 'cached' / 'ran' from the runner's progress lines."""
    found = {}
    for line in stderr.splitlines():
        for name in ALL:
            prefix = f"] {name}: "
            if prefix in line and line.startswith("["):
                found[name] = "cached" if "cached" in line.split(prefix, 1)[1] else "ran"
    return found


def leftovers(workdir: str) -> list[str]:
    """Staging and scratch folders anywhere under the workdir."""
    return [os.path.relpath(os.path.join(root, name), workdir)
            for root, dirs, _ in os.walk(workdir) for name in dirs
            if name.startswith((".tmp-", ".staging-"))]


def mlflow_state(workdir: str) -> tuple[list, list[int], str | None]:
    """(every run, registry versions of `forecasting`, the champion alias's version)."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments, max_results=5000)
    versions = sorted(int(v.version) for v in client.search_model_versions("name='forecasting'"))
    champion = client.get_model_version_by_alias("forecasting", "champion")
    assert champion.tags["serving_version"] == str(champion.version)
    return runs, versions, champion.version


# Kill points in order; per point, how the killed run found the components before it.
KILLS = [
    ("component:ingest", {}),
    ("component:transform", {"ingest": "ran"}),
    ("component:train", {"ingest": "cached", "transform": "ran"}),
    ("component:evaluate", {"ingest": "cached", "transform": "cached", "train": "ran"}),
    ("push:staged", {"ingest": "cached", "transform": "cached", "train": "cached",
                     "evaluate": "ran"}),
    ("push:published", {name: "cached" for name in ALL[:4]}),
    ("tracking:register", {**{name: "cached" for name in ALL[:4]}, "push": "ran"}),
]


def test_killed_at_every_component_and_in_push_resumes_without_lies(tmp_path):
    workdir = str(tmp_path / "w")
    left: set[str] = set()
    for point, expected in KILLS:
        stderr = kill_at(workdir, point, tmp_path)
        assert statuses(stderr) == expected, f"{point}:\n{stderr[-3000:]}"
        left.update(leftovers(workdir))
    serving = os.path.join(workdir, "serving", "forecasting")
    assert version_folders(serving) == ["1"]  # the push killed after its rename kept it
    # The kills left staging behind (each later run sweeps what it finds): a serving version
    # being copied, and artifacts of every component.
    assert any(name.startswith("serving/forecasting/.staging-") for name in left), left
    assert {name.split("/")[2] for name in left if name.startswith("artifacts/")} == set(ALL)

    log = str(tmp_path / "final.err")
    final = start(workdir, log)
    assert final.wait(timeout=DEADLINE) == 0, open(log).read()[-3000:]
    summary = json.loads(open(log + ".out").read().strip().splitlines()[-1])
    assert summary["cached"] == ALL and summary["pushed_version"] == 1
    assert version_folders(serving) == ["1"]  # exactly one serving version in all
    assert leftovers(workdir) == []
    scratch = os.path.join(workdir, "scratch")
    assert not os.path.isdir(scratch) or os.listdir(scratch) == []
    runs, versions, champion = mlflow_state(workdir)
    assert [r.info.run_id for r in runs if r.info.status == "RUNNING"] == []
    killed = [r for r in runs if r.info.status == "KILLED"]
    # Runs killed at push had opened their MLflow run (push waits for it): at least three.
    assert len(killed) >= 3
    assert all("ended without closing the run" in r.data.tags["tfpipe.end_reason"]
               for r in killed)
    assert versions == [1] and str(champion) == "1"  # registry == serving
    assert summary["registered_model"]["version"] == 1


def test_two_runs_of_one_pipeline_one_trains_the_other_reuses_it(tmp_path, services):
    workdir = str(tmp_path / "w")
    logs = [str(tmp_path / f"run{i}.err") for i in (1, 2)]
    marker = str(tmp_path / "first-run-in-train")
    # The first run holds the lock, frozen at train, until the second is seen waiting for it:
    # the overlap is made, not left to how fast each process happens to start.
    first = start(workdir, logs[0], "component:train", marker)
    processes = [first]
    try:
        services.wait(lambda: os.path.exists(marker), "first run reaching train", DEADLINE, first)
        processes.append(start(workdir, logs[1]))
        services.wait(lambda: "waiting for process" in open(logs[1]).read(),
                      "second run waiting for the first", DEADLINE, processes[1])
        os.remove(marker)  # the first run goes on from train
        for process, log in zip(processes, logs):
            assert process.wait(timeout=DEADLINE) == 0, open(log).read()[-3000:]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    summaries = [json.loads(open(log + ".out").read().strip().splitlines()[-1]) for log in logs]
    assert [s["cached"] for s in summaries] == [[], ALL]  # the second reused the first's work
    waited = [open(log).read() for log in logs]
    assert ["waiting for process" in text for text in waited] == [False, True], waited
    assert [s["pushed_version"] for s in summaries] == [1, 1]
    assert version_folders(os.path.join(workdir, "serving", "forecasting")) == ["1"]
    runs, versions, champion = mlflow_state(workdir)
    assert versions == [1] and str(champion) == "1"
    assert all(r.info.status == "FINISHED" for r in runs)


def test_no_wait_fails_fast_naming_the_holder(tmp_path):
    workdir = str(tmp_path / "w")
    marker = str(tmp_path / "paused")
    holder = start(workdir, str(tmp_path / "holder.err"), "component:transform", marker)
    try:
        deadline = time.monotonic() + DEADLINE
        while not os.path.exists(marker) and holder.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        busy = subprocess.run([TFPIPE, "run", "forecasting", "--workdir", workdir, "--no-wait",
                               *sum((["--set", s] for s in SETS), [])],
                              capture_output=True, text=True, timeout=DEADLINE)
        assert busy.returncode == 2
        assert busy.stderr.strip().splitlines() == [
            f"tfpipe: error: pipeline 'forecasting' in {workdir} is being run by process "
            f"{holder.pid}; run again when it ends (without --no-wait, tfpipe waits for it)"]
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()


def version_folders(base: str) -> list[str]:
    """Everything in a model base path but the serving state file: versions, and any staging
    folder a killed push would have left behind."""
    return sorted(name for name in os.listdir(base) if name != STATE_FILE)
