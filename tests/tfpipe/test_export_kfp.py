"""`tfpipe export kfp`: kfp's compiler writes the v2 IR of every task; reloaded and checked."""
from __future__ import annotations

import pytest
import yaml

from tfpipe import cli
from tfpipe.errors import InputError
from tfpipe.export_kfp import store_location
from tfpipe.registry import task_names

kfp = pytest.importorskip("kfp", reason="kfp is not installed here: "
                          "pip install -c constraints.txt '.[kfp]'")
ALL = ["ingest", "transform", "train", "evaluate", "push"]
UPSTREAM = {"ingest": [], "transform": ["ingest"], "train": ["ingest", "transform"],
            "evaluate": ["ingest", "train"], "push": ["evaluate", "ingest", "train"]}
TYPES = {"ingest": "system.Dataset", "transform": "system.Artifact", "train": "system.Model",
         "evaluate": "system.Artifact", "push": "system.Model"}


def export(tmp_path, task: str, *extra: str) -> dict:
    output = tmp_path / f"{task}.yaml"
    code = cli.main(["export", "kfp", task, "-o", str(output), "--workdir",
                     str(tmp_path / "w"), "--set", "seed=7", *extra])
    assert code == 0
    with open(output, encoding="utf-8") as handle:
        documents = list(yaml.safe_load_all(handle))
    return {"path": str(output), "ir": documents[0], "platform": documents[1:]}


@pytest.mark.parametrize("task", task_names())
def test_every_task_compiles_to_ir_that_reloads_with_its_dag_images_and_commands(tmp_path,
                                                                               task):
    from kfp import components

    exported = export(tmp_path, task)
    ir = exported["ir"]
    reloaded = components.load_component_from_file(exported["path"])
    assert reloaded.name == f"tfpipe-{task}".replace("_", "-")
    tasks = ir["root"]["dag"]["tasks"]
    assert sorted(tasks) == sorted(ALL)
    for name, spec in tasks.items():
        assert sorted(spec.get("dependentTasks", [])) == UPSTREAM[name]
        assert spec["cachingOptions"] == {}  # off: tfpipe's cache decides
        assert spec["retryPolicy"]["maxRetryCount"] == 2
        assert spec["inputs"]["parameters"]["run_id"]["runtimeValue"]["constant"] == \
            "{{$.pipeline_job_uuid}}"
        artifacts = spec["inputs"].get("artifacts", {})
        assert {k: v["taskOutputArtifact"] for k, v in artifacts.items()} == {
            up: {"outputArtifactKey": "summary", "producerTask": up} for up in UPSTREAM[name]}
        component = ir["components"][spec["componentRef"]["name"]]
        outputs = component["outputDefinitions"]["artifacts"]
        assert outputs["summary"]["artifactType"]["schemaTitle"] == TYPES[name]
        inputs = component["inputDefinitions"].get("artifacts", {})
        assert {k: v["artifactType"]["schemaTitle"] for k, v in inputs.items()} == {
            up: TYPES[up] for up in UPSTREAM[name]}
        container = ir["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
        assert container["image"] == "tfpipe:latest"
        assert container["command"] == ["tfpipe"]
        assert container["args"] == [
            "run", task, "--component", name, "--workdir", str(tmp_path / "w"), "--set",
            "seed=7", "--run-id", "{{$.inputs.parameters['run_id']}}", "--summary-file",
            "{{$.outputs.artifacts['summary'].path}}"]
    mounts = exported["platform"][0]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert len(mounts) == 5
    assert all(m["pvcMount"][0]["mountPath"] == str(tmp_path / "w")
               and m["pvcMount"][0]["constant"] == "tfpipe-store" for m in mounts.values())


def test_a_schedule_becomes_a_recurring_run_spec_that_never_overlaps(tmp_path):
    from kfp import Client

    exported = export(tmp_path, "forecasting", "--schedule", "@daily", "--image",
                      "registry.local/tfpipe:1", "--store", "gs://bucket/tfpipe")
    spec_path = tmp_path / "forecasting.recurring-run.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    assert spec == {"job_name": "tfpipe-forecasting", "cron_expression": "0 0 0 * * *",
                    "max_concurrency": 1, "no_catchup": True, "enabled": True,
                    "pipeline_package_path": "forecasting.yaml"}
    import inspect

    assert set(spec) <= set(inspect.signature(Client.create_recurring_run).parameters)
    container = next(iter(exported["ir"]["deploymentSpec"]["executors"].values()))["container"]
    assert container["image"] == "registry.local/tfpipe:1"
    assert container["args"][4:6] == ["--workdir", "/gcs/bucket/tfpipe"]
    assert exported["platform"] == []  # Cloud Storage is mounted by Vertex AI, not a claim

    export(tmp_path, "forecasting")  # no schedule: the earlier spec no longer applies
    assert not spec_path.exists()


def test_store_locations():
    assert store_location("pvc:shared", "/w") == ("/w", "shared")
    assert store_location("gs://b/p/", "/w") == ("/gcs/b/p", None)
    with pytest.raises(InputError, match="--store 's3://b'"):
        store_location("s3://b", "/w")
