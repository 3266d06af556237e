"""Runner: order, cache hits, downstream invalidation, crash and resume, hooks."""
from __future__ import annotations

import os

import pytest

from tfpipe import cache, data_fingerprint
from tfpipe.artifacts import Artifact
from tfpipe.component import DataPath, Input, Output, Parameter, Report, component
from tfpipe.errors import ComponentFailed
from tfpipe.pipeline import Node, Pipeline
from tfpipe.runner import LocalRunner

CALLS: list[str] = []



@component
def produce(source: DataPath, scale: Parameter[int], numbers: Output[Artifact]) -> Report:
    """Read integers from a file (or a folder's files), multiply them."""
    CALLS.append("produce")
    paths = ([os.path.join(source, name) for name in sorted(os.listdir(source))]
             if os.path.isdir(source) else [source])
    values = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            values += [int(line) * scale for line in handle if line.strip()]
    with open(numbers.path("values.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(map(str, values)))
    return Report(metrics={"count": len(values)})


@component
def total(numbers: Input[Artifact], offset: Parameter[int], result: Output[Artifact]) -> Report:
    """Sum the numbers; crash when asked to, after writing part of the output."""
    CALLS.append("total")
    with open(numbers.path("values.txt"), encoding="utf-8") as handle:
        value = sum(int(v) for v in handle.read().split()) + offset
    with open(result.path("partial.txt"), "w", encoding="utf-8") as handle:
        handle.write("half")
    if os.environ.get("TOY_CRASH") == "total":
        raise RuntimeError("simulated crash")
    with open(result.path("total.txt"), "w", encoding="utf-8") as handle:
        handle.write(str(value))
    return Report(metrics={"total": value}, history={"loss": [3.0, 2.0, 1.0]})


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def make_pipeline(source: str, scale: int = 2, offset: int = 0) -> Pipeline:
    first = Node(produce, params={"source": source, "scale": scale})
    second = Node(total, inputs={"numbers": first.out("numbers")}, params={"offset": offset})
    return Pipeline("toy", [second, first])


@pytest.fixture
def source(tmp_path) -> str:
    path = tmp_path / "numbers.txt"
    path.write_text("1\n2\n3\n")
    return str(path)


class Recorder:
    def __init__(self):
        self.events = []

    def pipeline_started(self, state):
        self.events.append("start")

    def component_starting(self, state, node):
        self.events.append(("starting", node.name))

    def component_finished(self, state, node, outcome):
        self.events.append((node.name, outcome.cached))

    def pipeline_finished(self, state, seconds):
        self.events.append("finish")

    def pipeline_failed(self, state, error):
        self.events.append("failed")


def read_total(state) -> str:
    with open(state.outcomes["total"].record.output("result", Artifact).path("total.txt")) as f:
        return f.read()


def test_runs_in_dependency_order_and_reports_why(tmp_path, source):
    state = LocalRunner(str(tmp_path / "w"), quiet=True).run(make_pipeline(source))
    assert CALLS == ["produce", "total"]
    assert read_total(state) == "12"
    assert state.outcomes["produce"].reason == "no earlier run"
    assert not state.outcomes["total"].cached


def test_second_run_is_served_from_cache(tmp_path, source):
    runner = LocalRunner(str(tmp_path / "w"), quiet=True)
    runner.run(make_pipeline(source))
    CALLS.clear()
    state = runner.run(make_pipeline(source))
    assert CALLS == []
    assert all(o.cached for o in state.outcomes.values())
    assert read_total(state) == "12"


def test_changing_a_downstream_param_reruns_only_downstream(tmp_path, source):
    runner = LocalRunner(str(tmp_path / "w"), quiet=True)
    runner.run(make_pipeline(source))
    CALLS.clear()
    state = runner.run(make_pipeline(source, offset=5))
    assert CALLS == ["total"]
    assert state.outcomes["produce"].cached
    assert state.outcomes["total"].reason == "params changed: offset"
    assert read_total(state) == "17"


def test_changing_input_file_content_reruns_everything(tmp_path, source):
    runner = LocalRunner(str(tmp_path / "w"), quiet=True)
    runner.run(make_pipeline(source))
    with open(source, "a") as handle:
        handle.write("4\n")
    CALLS.clear()
    state = runner.run(make_pipeline(source))
    assert CALLS == ["produce", "total"]
    assert state.outcomes["produce"].reason == f"data changed: source ({os.path.basename(source)})"
    assert read_total(state) == "20"


def test_a_data_change_names_the_files_changed_added_and_removed(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(f"{len(name)}\n")
    runner = LocalRunner(str(tmp_path / "w"), quiet=True)
    runner.run(make_pipeline(str(folder)))
    (folder / "b.txt").write_text("9\n")
    (folder / "c.txt").unlink()
    (folder / "d.txt").write_text("6\n")
    state = runner.run(make_pipeline(str(folder)))
    assert state.outcomes["produce"].reason == \
        "data changed: source (b.txt, c.txt (removed), d.txt (new))"
    # The named files explain the change; they are not part of the key.
    fingerprint = state.outcomes["produce"].record.fingerprint
    assert cache.cache_key(fingerprint) == cache.cache_key(
        {k: v for k, v in fingerprint.items() if k != cache.DATA_FILES})


def test_an_input_of_more_files_than_are_named_is_named_as_a_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(data_fingerprint, "MOST_FILES_NAMED", 2)
    folder = tmp_path / "shards"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text("1\n")
    runner = LocalRunner(str(tmp_path / "w"), quiet=True)
    runner.run(make_pipeline(str(folder)))
    (folder / "a.txt").write_text("2\n")
    state = runner.run(make_pipeline(str(folder)))
    assert state.outcomes["produce"].reason == "data changed: source"


def test_crash_leaves_no_artifact_and_resume_uses_cache(tmp_path, source, monkeypatch):
    workdir = tmp_path / "w"
    recorder = Recorder()
    monkeypatch.setenv("TOY_CRASH", "total")
    with pytest.raises(ComponentFailed, match="total failed: simulated crash"):
        LocalRunner(str(workdir), hooks=[recorder], quiet=True).run(make_pipeline(source))
    assert recorder.events[-1] == "failed"
    total_dir = workdir / "artifacts" / "toy" / "total"
    assert os.listdir(total_dir) == []  # the partial output was discarded
    monkeypatch.delenv("TOY_CRASH")
    CALLS.clear()
    state = LocalRunner(str(workdir), quiet=True).run(make_pipeline(source))
    assert CALLS == ["total"]
    assert state.outcomes["produce"].cached
    assert read_total(state) == "12"


def test_hooks_see_every_component(tmp_path, source):
    recorder = Recorder()
    LocalRunner(str(tmp_path / "w"), hooks=[recorder], quiet=True).run(make_pipeline(source))
    assert recorder.events == ["start", ("starting", "produce"), ("produce", False),
                               ("starting", "total"), ("total", False), "finish"]


def test_scratch_of_dead_runs_is_swept_and_a_live_ones_kept(tmp_path, source):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        scratch = tmp_path / "w" / "scratch"
        for pid in (dead.pid, live.pid):
            (scratch / f".tmp-abc123-{pid}-0badf00d" / "beam-temp").mkdir(parents=True)
        LocalRunner(str(tmp_path / "w"), quiet=True).run(make_pipeline(source))
        assert os.listdir(scratch) == [f".tmp-abc123-{live.pid}-0badf00d"]
    finally:
        live.kill()
        live.wait()


def test_a_pipeline_name_leading_outside_the_workdir_is_refused(tmp_path, source):
    from tfpipe.errors import InputError

    pipeline = make_pipeline(source)
    pipeline.name = "../../outside"
    with pytest.raises(InputError, match="outside"):
        LocalRunner(str(tmp_path / "a" / "w"), quiet=True).run(pipeline)
    assert not (tmp_path / "outside").exists()
