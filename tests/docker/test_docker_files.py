"""No Docker engine here: check the docker files agree with tfpipe's defaults instead."""
from __future__ import annotations

import os
import re

import yaml

from tfpipe import config as cfg
from tfpipe.components.serving_config import CONFIG_FILE, CONTAINER_ROOT

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKER = os.path.join(ROOT, "docker")
WORKDIR_VARIABLE = re.compile(r"\$\{TFPIPE_WORKDIR(:\?[^}]+)?\}")


def compose() -> dict:
    with open(os.path.join(DOCKER, "compose.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def with_workdir(text: str, workdir: str) -> str:
    """Compose's substitution of ${TFPIPE_WORKDIR} and ${TFPIPE_WORKDIR:?message}."""
    return WORKDIR_VARIABLE.sub(workdir, text)


def test_serving_mounts_the_push_base_path_where_models_config_points():
    paths = cfg.run_paths("/W", {})
    volumes = compose()["services"]["serving"]["volumes"]
    mounts = dict(with_workdir(v, "/W").rsplit(":", 2)[:2] for v in volumes)
    assert mounts == {paths.serving: CONTAINER_ROOT}
    command = compose()["services"]["serving"]["command"]
    assert f"--model_config_file={CONTAINER_ROOT}/{CONFIG_FILE}" in command


def test_serving_rereads_the_generated_config_and_accepts_moved_labels():
    command = compose()["services"]["serving"]["command"]
    polls = [a for a in command if a.startswith("--model_config_file_poll_wait_seconds=")]
    assert polls and int(polls[0].split("=")[1]) > 0
    assert "--force_allow_any_version_labels_for_unavailable_models=true" in command
    assert not os.path.exists(os.path.join(DOCKER, "models.config"))  # generated, not static


def test_every_service_using_the_workdir_fails_with_a_message_when_it_is_unset():
    services = compose()["services"]
    using = {name: yaml.safe_dump(service) for name, service in services.items()
             if "TFPIPE_WORKDIR" in yaml.safe_dump(service)}
    assert set(using) == {"serving", "mlflow", "pipeline"}
    for name, text in using.items():
        assert "${TFPIPE_WORKDIR:?set TFPIPE_WORKDIR to the absolute path" in text, name


def test_build_context_ignores_virtualenvs_workdirs_and_git():
    with open(os.path.join(ROOT, ".dockerignore"), encoding="utf-8") as handle:
        ignored = {line.strip() for line in handle if line.strip() and not line.startswith("#")}
    assert {".venv", ".git", "tfpipe-work"} <= ignored
    build = compose()["services"]["pipeline"]["build"]
    assert os.path.normpath(os.path.join(DOCKER, build["context"])) == ROOT


def test_ports_and_mlflow_store_match_the_defaults(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    services = compose()["services"]
    assert {"8500:8500", "8501:8501"} <= set(services["serving"]["ports"])
    assert "5000:5000" in services["mlflow"]["ports"]
    command = dict(a.split("=", 1) for a in services["mlflow"]["command"] if "=" in a)
    paths = cfg.run_paths("/tfpipe-work", {})  # where the MLflow container mounts the workdir
    assert [v for v in services["mlflow"]["volumes"] if v.startswith("${TFPIPE_WORKDIR")
            and v.endswith(":/tfpipe-work")]
    assert command["--backend-store-uri"] == paths.tracking_uri
    assert command["--artifacts-destination"] == paths.mlartifacts  # relative artifact URIs
    assert command["--workers"] == "1"


def test_pipeline_image_runs_the_console_script():
    with open(os.path.join(DOCKER, "Dockerfile"), encoding="utf-8") as handle:
        dockerfile = handle.read()
    assert 'ENTRYPOINT ["tfpipe"]' in dockerfile
    with open(os.path.join(ROOT, "setup.py"), encoding="utf-8") as handle:
        assert "tfpipe=tfpipe.cli:entry" in handle.read()
    for folder in ("components", "pipelines", "schemas", "tfpipe"):
        assert f"COPY {folder} ./{folder}" in dockerfile
