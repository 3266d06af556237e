"""Run artifacts stored relative to the workdir: `mlflow-artifacts:/` URIs over <workdir>/mlartifacts.

MLflow's proxied artifact URIs (`mlflow-artifacts:/<experiment>/<run>/artifacts/...`) are
relative to the store's default artifact root, which `mlflow server --artifacts-destination`
names when it starts. A workdir that is copied, moved or mounted elsewhere keeps working
with `tfpipe ui` (or any MLflow server given the new mlartifacts folder), where absolute
`file://` locations would point at the machine that ran. Without a server, the process that
writes (the tracking child) maps the same URIs onto the local folder.
"""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

SCHEME = "mlflow-artifacts"
EXPERIMENT_ROOT = f"{SCHEME}:/"


def experiment_location(name: str) -> str:
    """Artifact location of a new experiment, relative to the store's artifact root."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "experiment"
    return f"{EXPERIMENT_ROOT}{safe}"


def local_path(root: str, artifact_uri: str) -> str:
    """The file under `root` that a `mlflow-artifacts:` URI names; rejects paths leaving it."""
    parsed = urlparse(artifact_uri)
    if parsed.scheme != SCHEME:
        raise ValueError(f"{artifact_uri}: not a {SCHEME}: URI")
    relative = os.path.normpath(parsed.path.lstrip("/")) if parsed.path.strip("/") else ""
    if relative.startswith(".."):
        raise ValueError(f"{artifact_uri}: leaves the artifact root")
    return os.path.join(os.path.abspath(root), relative)


def serve_locally(root: str) -> None:
    """In this process, read and write `mlflow-artifacts:` URIs as files under `root`."""
    from mlflow.store.artifact.artifact_repository_registry import (
        _artifact_repository_registry)
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    class WorkdirArtifactRepository(LocalArtifactRepository):
        """LocalArtifactRepository for `mlflow-artifacts:` URIs under the workdir's mlartifacts."""

        def __init__(self, artifact_uri: str, tracking_uri: str | None = None,
                     registry_uri: str | None = None) -> None:
            super().__init__(local_path(root, artifact_uri), tracking_uri, registry_uri)

    _artifact_repository_registry.register(SCHEME, WorkdirArtifactRepository)


def uses_workdir_artifacts(tracking_uri: str) -> bool:
    """True for the embedded sqlite store, whose artifacts live in <workdir>/mlartifacts."""
    return tracking_uri.startswith("sqlite:")


def client_for(tracking_uri: str, mlartifacts: str) -> Any:
    """An MlflowClient that can also read this workdir's `mlflow-artifacts:` URIs."""
    from mlflow.tracking import MlflowClient

    if uses_workdir_artifacts(tracking_uri):
        serve_locally(mlartifacts)
    return MlflowClient(tracking_uri=tracking_uri)
