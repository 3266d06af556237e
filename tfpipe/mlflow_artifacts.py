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

from tfpipe.errors import InputError

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


_ROOTS: dict[str, str] = {}  # tracking URI -> its mlartifacts folder, in this process


def serve_locally(root: str, tracking_uri: str = "") -> None:
    """In this process, read and write the store's `mlflow-artifacts:` URIs as files under root.

    Against an http(s) tracking server, MLflow's own proxied repository is used as before.
    """
    from mlflow.store.artifact.artifact_repository_registry import (
        _artifact_repository_registry)

    _ROOTS[tracking_uri] = os.path.abspath(root)
    _ROOTS[""] = os.path.abspath(root)  # the latest, for callers that pass no tracking URI
    _artifact_repository_registry.register(SCHEME, _repository)


def _repository(artifact_uri: str, tracking_uri: str | None = None,
                registry_uri: str | None = None) -> Any:
    """MLflow's proxied repository for a server; else a local one under the store's root."""
    import mlflow
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository
    from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository

    effective = tracking_uri or mlflow.get_tracking_uri()
    if effective.startswith(("http:", "https:")):
        return MlflowArtifactsRepository(artifact_uri, tracking_uri, registry_uri)
    root = _ROOTS.get(effective) or _ROOTS[""]
    return LocalArtifactRepository(local_path(root, artifact_uri), tracking_uri, registry_uri)


def registry_source(artifact_uri: str, tracking_uri: str) -> str:
    """A model version's source: the local file for this process's workdir artifacts.

    MLflow's own tools (`mlflow models serve`, `models:/` URIs in another process) resolve a
    registered version without tfpipe's mapping, so the registry points at the file itself;
    run artifacts (plots, statistics) stay relative to the store.
    """
    root = _ROOTS.get(tracking_uri)
    if root is None or not artifact_uri.startswith(f"{SCHEME}:"):
        return artifact_uri
    return f"file://{local_path(root, artifact_uri)}"


def uses_workdir_artifacts(tracking_uri: str) -> bool:
    """True for the embedded sqlite store, whose artifacts live in <workdir>/mlartifacts."""
    return tracking_uri.startswith("sqlite:")


def client_for(tracking_uri: str, mlartifacts: str) -> Any:
    """An MlflowClient that can also read this workdir's `mlflow-artifacts:` URIs.

    A sqlite store left half-made is an InputError saying what to do.
    """
    from mlflow.tracking import MlflowClient

    from tfpipe.mlflow_store import damaged_store_message

    if uses_workdir_artifacts(tracking_uri):
        serve_locally(mlartifacts, tracking_uri)
    try:
        return MlflowClient(tracking_uri=tracking_uri)
    except Exception as error:
        damaged = damaged_store_message(tracking_uri, error)
        if damaged is None:
            raise
        raise InputError(damaged) from None
