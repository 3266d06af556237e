"""The tracking hook in a real run: a failed MLflow store stops the run before it publishes."""
from __future__ import annotations

import os

import pytest
from tfpipe.artifacts import Artifact
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.config import run_paths
from tfpipe.pipeline import Node, Pipeline
from tfpipe.runner import LocalRunner
from tfpipe.tracking_hook import TrackingHook
from tfpipe.tracking_process import BackgroundTracker, TrackingFailed


@component
def prepare(size: Parameter[int], prepared: Output[Artifact]) -> Report:
    """Write a small file into the artifact store."""
    if size < 0:
        raise ValueError(f"size {size}: must not be negative")
    with open(prepared.path("data.txt"), "w", encoding="utf-8") as handle:
        handle.write("x" * size)
    return Report(metrics={"size": size})


@component(publishes=True)
def publish(prepared: Input[Artifact], target: Parameter[str],
            receipt: Output[Artifact]) -> Report:
    """Copy the prepared file outside the artifact store."""
    with open(prepared.path("data.txt"), encoding="utf-8") as source, \
            open(target, "w", encoding="utf-8") as handle:
        handle.write(source.read())
    return Report()


def toy_pipeline(target: str) -> Pipeline:
    first = Node(prepare, params={"size": 3})
    return Pipeline("toy", [first, Node(publish, inputs={"prepared": first.out("prepared")},
                                        params={"target": target})])


def hook_for(workdir: str, tracking_uri: str | None) -> TrackingHook:
    paths = run_paths(workdir, {"serving_dir": None, "mlflow_tracking_uri": tracking_uri})
    return TrackingHook(BackgroundTracker(paths, "toy", "toy", {}, "none"))


class CallLog:
    """A Tracker that records the calls the hook makes, in order."""

    def __init__(self):
        self.calls = []
        self.run_id, self.registered = "", None

    def start(self):
        self.calls.append("start")

    def confirm(self, wait):
        self.calls.append(("confirm", wait))

    def record_component(self, event):
        self.calls.append(("record", event.name))

    def finish(self, end):
        self.calls.append("finish")

    def fail(self, message):
        self.calls.append(("fail", message))


def test_the_tracker_starts_after_the_first_component_and_waits_only_to_publish(tmp_path):
    log = CallLog()
    workdir = str(tmp_path / "w")
    LocalRunner(workdir, hooks=[TrackingHook(log)], quiet=True).run(
        toy_pipeline(str(tmp_path / "published.txt")))
    assert log.calls == ["start", ("record", "prepare"), ("confirm", True),
                         ("record", "publish"), "finish"]


def test_a_first_component_failure_is_still_recorded_as_a_failed_run(tmp_path):
    from mlflow.tracking import MlflowClient

    workdir = str(tmp_path / "w")
    hook = hook_for(workdir, None)
    bad = Pipeline("toy", [Node(prepare, params={"size": -1})])
    with pytest.raises(Exception, match="size"):
        LocalRunner(workdir, hooks=[hook], quiet=True).run(bad)
    run = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db").get_run(
        hook.tracker.run_id)
    assert run.info.status == "FAILED"
    assert "size" in run.data.tags["tfpipe.error"]


def test_push_is_marked_as_publishing_and_the_other_components_are_not():
    from tfpipe.components.evaluate import evaluate
    from tfpipe.components.push import push
    from tfpipe.components.train import train

    assert push.publishes and not train.publishes and not evaluate.publishes


def test_a_failing_tracking_store_stops_the_run_before_the_publishing_component(tmp_path):
    workdir, target = str(tmp_path / "w"), str(tmp_path / "published.txt")
    runner = LocalRunner(workdir, hooks=[hook_for(workdir, "nosuchscheme://nowhere")],
                         quiet=True)
    with pytest.raises(TrackingFailed, match="nosuchscheme://nowhere"):
        runner.run(toy_pipeline(target))
    assert not os.path.exists(target)
    assert os.listdir(os.path.join(workdir, "artifacts", "toy", "prepare"))  # kept for resume


def test_a_working_store_publishes_and_records_both_components(tmp_path):
    from mlflow.tracking import MlflowClient

    workdir, target = str(tmp_path / "w"), str(tmp_path / "published.txt")
    hook = hook_for(workdir, None)
    LocalRunner(workdir, hooks=[hook], quiet=True).run(toy_pipeline(target))
    assert open(target, encoding="utf-8").read() == "xxx"
    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    parent = client.get_run(hook.tracker.run_id)
    children = client.search_runs([parent.info.experiment_id],
                                  f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert sorted(c.info.run_name for c in children) == ["prepare", "publish"]
