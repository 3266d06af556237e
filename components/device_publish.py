"""Push's device step: the variants that passed their gate, copied beside a pushed version."""
from __future__ import annotations

import json
import os
import shutil

from tfpipe.components.device_export import DESCRIPTION_FILE, DEVICE_DIR, EXPORTS_FILE

# Inside the version: TF Serving ignores assets.extra/, the MLflow registry entry (a copy of
# the version folder) carries the device models, and a rollback or removal of a version
# takes its device models with it.
PUBLISHED_DIR = os.path.join("assets.extra", "device")


def publish_device_models(evaluation_dir: str, version_dir: str) -> list[str]:
    """Copy passing variants and their description files into <version>/assets.extra/device/.

    Written under a temporary name and renamed, so the folder appears complete or not at all;
    a version that already has it (a re-run pushing the same model) is left as it is.
    Returns the published variant names ([] when the evaluation holds no device export).
    """
    exports = os.path.join(evaluation_dir, EXPORTS_FILE)
    if not os.path.exists(exports):
        return []
    with open(exports, encoding="utf-8") as handle:
        table = json.load(handle)
    passed = [row for row in table["variants"] if row["passed"]]
    target = os.path.join(version_dir, PUBLISHED_DIR)
    if os.path.exists(target) or not passed:
        return [row["variant"] for row in passed] if os.path.exists(target) else []
    source = os.path.join(evaluation_dir, DEVICE_DIR)
    with open(os.path.join(source, DESCRIPTION_FILE), encoding="utf-8") as handle:
        description = json.load(handle)
    staging = f"{target}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    for name in [row["file"] for row in passed] + description["files"] + [DESCRIPTION_FILE]:
        if os.path.isdir(os.path.join(source, name)):  # TF.js: model.json and weight shards
            shutil.copytree(os.path.join(source, name), os.path.join(staging, name))
        else:
            shutil.copy2(os.path.join(source, name), os.path.join(staging, name))
    with open(os.path.join(staging, EXPORTS_FILE), "w", encoding="utf-8") as handle:
        json.dump(table, handle, indent=2)
    os.rename(staging, target)
    return [row["variant"] for row in passed]
