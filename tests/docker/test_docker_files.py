"""No Docker engine here: check the docker files agree with tfpipe's defaults instead."""
from __future__ import annotations

import os
import re

import yaml

from tfpipe import config as cfg
from tfpipe.registry import task_infos

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKER = os.path.join(ROOT, "docker")


def compose() -> dict:
    with open(os.path.join(DOCKER, "compose.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_serving_mounts_the_push_base_path_of_the_workdir():
    paths = cfg.run_paths("/W", {})
    relative = os.path.relpath(paths.serving, paths.workdir)
    volumes = compose()["services"]["serving"]["volumes"]
    assert f"${{TFPIPE_WORKDIR}}/{relative}:/models:ro" in volumes


def test_models_config_names_every_task_model_under_models():
    with open(os.path.join(DOCKER, "models.config"), encoding="utf-8") as handle:
        text = handle.read()
    entries = dict(re.findall(r'name: "([^"]+)" base_path: "([^"]+)"', text))
    expected = {info.default_model_name for info in task_infos().values()}
    assert set(entries) == expected
    assert all(path == f"/models/{name}" for name, path in entries.items())


def test_ports_and_mlflow_store_match_the_defaults(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    services = compose()["services"]
    assert {"8500:8500", "8501:8501"} <= set(services["serving"]["ports"])
    assert "5000:5000" in services["mlflow"]["ports"]
    store = [a for a in services["mlflow"]["command"] if a.startswith("--backend-store-uri")][0]
    default = cfg.run_paths("/W", {}).tracking_uri
    assert store.split("=", 1)[1].replace("${TFPIPE_WORKDIR}", "/W") == default


def test_pipeline_image_runs_the_console_script():
    with open(os.path.join(DOCKER, "Dockerfile"), encoding="utf-8") as handle:
        dockerfile = handle.read()
    assert 'ENTRYPOINT ["tfpipe"]' in dockerfile
    with open(os.path.join(ROOT, "setup.py"), encoding="utf-8") as handle:
        assert "tfpipe=tfpipe.cli:entry" in handle.read()
    for folder in ("components", "pipelines", "schemas", "tfpipe"):
        assert f"COPY {folder} ./{folder}" in dockerfile
