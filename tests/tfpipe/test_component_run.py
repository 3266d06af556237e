"""`tfpipe run TASK --component NAME [--run-id ID]`: one component, inputs found by cache key."""
from __future__ import annotations

import os

import pytest

from tfpipe import cli
from tfpipe.components.versions import pushed_versions
from tfpipe.config import run_paths
from tfpipe.errors import InputError
from tfpipe.local_run import run_task
from tfpipe.tracking import RunEnd
from tfpipe.tracking_orchestrated import ORCHESTRATOR_TAG, OrchestratedTracker

FAST = ["model=dense", "units=32", "window_size=12", "epochs=40", "patience=8",
        "batch_size=16"]
ALL = ["ingest", "transform", "train", "evaluate", "push"]


def component(data: str, workdir: str, name: str, run_id: str | None) -> dict:
    return run_task("forecasting", data, None, FAST, workdir, [], quiet=True, component=name,
                    run_id=run_id)


def runs_of(workdir: str, orchestrator_run_id: str) -> tuple[object, list]:
    """The parent run tagged with the orchestrator run id and its nested runs."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db")
    experiment = client.get_experiment_by_name("forecasting")
    tagged = client.search_runs([experiment.experiment_id],
                                f"tags.`{ORCHESTRATOR_TAG}` = '{orchestrator_run_id}'")
    parents = [r for r in tagged if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1, [r.info.run_name for r in parents]
    children = client.search_runs([experiment.experiment_id],
                                  f"tags.mlflow.parentRunId = '{parents[0].info.run_id}'")
    return parents[0], children


def test_a_component_whose_upstream_is_missing_names_it_in_one_line(tmp_path, tiny_series_csv,
                                                                    capsys):
    code = cli.main(["run", "forecasting", "--data", tiny_series_csv, "--workdir",
                     str(tmp_path / "w"), "--component", "transform", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("tfpipe: error: component transform needs the output of upstream "
                          "component ingest (cache key "), err
    assert "tfpipe run forecasting --component ingest" in err
    assert not (tmp_path / "w" / "artifacts" / "forecasting" / "transform").exists()


def test_an_unknown_component_and_a_bad_run_id_fail_before_anything_runs(tmp_path,
                                                                        tiny_series_csv):
    with pytest.raises(InputError, match="has no component 'tune'; choose one of: ingest, "
                                         "transform, train, evaluate, push"):
        component(tiny_series_csv, str(tmp_path / "w"), "tune", None)
    with pytest.raises(InputError, match="has no component 'trian' \\(did you mean 'train'\\?\\)"):
        component(tiny_series_csv, str(tmp_path / "w"), "trian", None)
    with pytest.raises(InputError, match="--run-id \"x'y\""):
        component(tiny_series_csv, str(tmp_path / "w"), "ingest", "x'y")
    assert not (tmp_path / "w" / "artifacts" / "forecasting").exists()


@pytest.mark.slow
def test_components_in_turn_make_one_parent_run_and_match_the_whole_pipeline(
        tmp_path, tiny_series_csv):
    workdir = str(tmp_path / "w")
    first = [component(tiny_series_csv, workdir, name, "manual__2026-12-02T07:00:00+00:00")
             for name in ALL]
    assert [r["cached"] for r in first] == [False] * 5
    assert len({r["run_id"] for r in first}) == 1
    assert first[-1]["pushed_version"] == 1
    registered = first[-1]["registered_model"]
    assert (registered["name"], registered["version"]) == ("forecasting", 1)
    assert registered["aliases"]["champion"] == 1
    parent, children = runs_of(workdir, "manual__2026-12-02T07:00:00+00:00")
    assert parent.info.run_id == first[0]["run_id"] and parent.info.status == "FINISHED"
    assert parent.data.tags["tfpipe.pushed_version"] == "1"
    assert parent.data.tags["tfpipe.blessed"] == "true"
    assert parent.data.metrics["total_seconds"] > 0
    # The same resolved params as a whole-pipeline run: no default logged as "None".
    params = parent.data.params
    assert "None" not in params.values(), params
    assert params["serving_dir"] == os.path.join(workdir, "serving")
    assert params["moving_average_window"] == "12" and params["experiment_name"] == "forecasting"
    assert sorted(c.info.run_name for c in children) == sorted(ALL)
    assert {c.data.tags["tfpipe.cached"] for c in children} == {"false"}
    assert all(c.data.tags["tfpipe.pid"].isdigit() and c.data.tags["tfpipe.host"]
               for c in children)

    # A second orchestrator run finds every key: served from cache, nothing pushed.
    second = [component(tiny_series_csv, workdir, name, "scheduled__2") for name in ALL]
    assert [r["cached"] for r in second] == [True] * 5
    assert [r["key"] for r in second] == [r["key"] for r in first]
    assert second[-1]["pushed_version"] is None
    parent, children = runs_of(workdir, "scheduled__2")
    assert parent.info.status == "FINISHED" and parent.data.tags["tfpipe.pushed_version"] == "1"
    assert {c.data.tags["tfpipe.cached"] for c in children} == {"true"} and len(children) == 5

    # The in-process pipeline computes the same keys: it is served from cache as a whole.
    whole = run_task("forecasting", tiny_series_csv, None, FAST, workdir, [], quiet=True)
    assert whole["cached"] == ALL
    assert pushed_versions(os.path.join(workdir, "serving", "forecasting")) == [1]


def orchestrated(workdir: str, run_id: str, closes_parent: bool) -> OrchestratedTracker:
    paths = run_paths(workdir, {"serving_dir": None, "mlflow_tracking_uri": None})
    return OrchestratedTracker(paths, "forecasting", "forecasting", {"epochs": 3}, "/d.csv",
                               run_id, closes_parent=closes_parent)


def test_a_failing_component_fails_the_parent_and_the_last_one_finishes_it(tmp_path):
    workdir = str(tmp_path / "w")
    first = orchestrated(workdir, "run-1", closes_parent=False)
    first.start()
    first.fail("component train failed: boom")
    first.finish(RunEnd(seconds=1.0))  # not the last component: leaves the parent alone
    parent = first.client.get_run(first.run_id)
    assert parent.info.status == "FAILED" and parent.data.tags["tfpipe.error"].endswith("boom")

    retried = orchestrated(workdir, "run-1", closes_parent=True)
    retried.start()
    assert retried.run_id == first.run_id
    retried.finish(RunEnd(seconds=1.0, metrics={"mae": 2.0}, pushed_version=3))
    parent = retried.client.get_run(first.run_id)
    assert parent.info.status == "FINISHED" and parent.data.metrics["mae"] == 2.0
    assert parent.data.tags["tfpipe.pushed_version"] == "3"
    assert parent.data.metrics["total_seconds"] >= 0


def test_components_join_the_oldest_parent_of_their_run_id(tmp_path):
    workdir = str(tmp_path / "w")
    racer = orchestrated(workdir, "run-2", closes_parent=False)
    racer.open_experiment()
    oldest = racer.create_parent({ORCHESTRATOR_TAG: "run-2"})
    later = orchestrated(workdir, "run-2", closes_parent=False)  # a second first component
    later.started_at = racer.started_at + 2.0  # began later (explicit: no sleep in a test)
    later.open_experiment()
    later.create_parent({ORCHESTRATOR_TAG: "run-2"})
    racer.create_parent({ORCHESTRATOR_TAG: "run-3"})
    joiner = orchestrated(workdir, "run-2", closes_parent=False)
    joiner.start()
    assert joiner.run_id == oldest


def test_parents_started_in_the_same_millisecond_are_told_apart_by_run_id(tmp_path):
    """Every component of the run must join the same parent, even on a tie of start times."""
    workdir = str(tmp_path / "w")
    racer = orchestrated(workdir, "run-2", closes_parent=False)
    racer.open_experiment()
    tied = sorted(racer.create_parent({ORCHESTRATOR_TAG: "run-2"}) for _ in range(3))
    joiners = [orchestrated(workdir, "run-2", closes_parent=False) for _ in range(2)]
    for joiner in joiners:
        joiner.start()
    assert [joiner.run_id for joiner in joiners] == [tied[0], tied[0]]
