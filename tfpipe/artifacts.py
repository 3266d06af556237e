"""Typed artifacts: directories under the workdir, committed atomically with an artifact.json."""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from tfpipe import files

ARTIFACT_FILE = "artifact.json"
TMP_PREFIX = ".tmp-"


@dataclass
class Artifact:
    """One output of one component run: a directory plus the key of the run that made it."""

    uri: str
    key: str = ""
    producer: str = ""
    TYPE = "Artifact"  # the type's name in artifact.json: a subclass's own name unless it sets one

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TYPE = cls.__dict__.get("TYPE", cls.__name__)

    def path(self, *parts: str) -> str:
        """Path of a file inside the artifact directory."""
        return os.path.join(self.uri, *parts)


class Examples(Artifact):
    """TFRecord tf.Examples, one sub-folder per split."""


class Statistics(Artifact):
    """Per-split counts and simple feature statistics."""


class TransformGraph(Artifact):
    """A tf.Transform output directory (transform_fn + metadata)."""


class Model(Artifact):
    """An exported SavedModel with raw-feature and tf.Example signatures."""


class ModelEvaluation(Artifact):
    """Metrics of candidate and baselines, plus blessing.json."""


class PushedModel(Artifact):
    """Record of a push into a TF Serving model base path."""


@dataclass
class ArtifactRecord:
    """The parsed artifact.json of a completed component run."""

    component: str
    key: str
    directory: str
    outputs: dict[str, str]
    fingerprint: dict[str, Any]
    report: dict[str, Any]
    created: float
    extra: dict[str, Any] = field(default_factory=dict)

    def output(self, name: str, artifact_type: type[Artifact]) -> Artifact:
        """The named output as a typed artifact."""
        return artifact_type(uri=os.path.join(self.directory, name), key=self.key,
                             producer=self.component)


def component_dir(root: str, pipeline: str, component: str) -> str:
    """Folder holding every run of one component of one pipeline."""
    return os.path.join(root, pipeline, component)


def read_record(directory: str) -> ArtifactRecord | None:
    """The record of a completed artifact directory, or None when absent or incomplete."""
    path = os.path.join(directory, ARTIFACT_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return ArtifactRecord(
        component=data["producer"], key=data["key"], directory=directory,
        outputs=data.get("outputs", {}), fingerprint=data.get("fingerprint", {}),
        report=data.get("report", {}), created=data.get("created", 0.0),
        extra={k: v for k, v in data.items() if k not in {"producer", "key", "outputs",
                                                          "fingerprint", "report", "created"}})


def list_records(root: str, pipeline: str, component: str) -> list[ArtifactRecord]:
    """Every complete artifact of a component, oldest first."""
    base = component_dir(root, pipeline, component)
    if not os.path.isdir(base):
        return []
    records = [read_record(os.path.join(base, name)) for name in os.listdir(base)
               if not name.startswith(".")]
    return sorted((r for r in records if r is not None), key=lambda r: r.created)


def new_staging_dir(final_dir: str) -> str:
    """A hidden sibling of final_dir to write into before the atomic rename."""
    parent, name = os.path.split(final_dir)
    os.makedirs(parent, exist_ok=True)
    staging = os.path.join(parent, files.staging_name(TMP_PREFIX, name))
    os.makedirs(staging)
    return staging


def commit(staging: str, final_dir: str, record: dict[str, Any]) -> None:
    """Write artifact.json last, fsync it, and rename the staging folder into place."""
    record = dict(record, created=time.time())
    path = os.path.join(staging, ARTIFACT_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, sort_keys=True, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    if os.path.exists(final_dir):  # an incomplete leftover with the same key
        shutil.rmtree(final_dir)
    os.rename(staging, final_dir)


def remove_stale_staging(parent: str) -> list[str]:
    """Delete staging folders left by crashed processes; return what was removed."""
    return files.remove_stale_staging(parent, TMP_PREFIX)
