"""Champion resolution: latest pushed version of the pipeline that is not the candidate."""
from __future__ import annotations

import os

from tfpipe import artifacts as art
from tfpipe.components.champion import find_champion


def record_push(root: str, base: str, key: str, version: int, model_key: str) -> None:
    path = os.path.join(base, str(version))
    os.makedirs(path, exist_ok=True)
    open(os.path.join(path, "saved_model.pb"), "wb").close()
    final = os.path.join(root, "p", "push", key)
    staging = art.new_staging_dir(final)
    art.commit(staging, final, {"producer": "push", "key": key, "report": {"summary": {
        "pushed": True, "version": version, "serving_path": path, "model_key": model_key}}})


def test_latest_other_than_candidate(tmp_path):
    root, base = str(tmp_path / "artifacts"), str(tmp_path / "serving" / "m")
    assert find_champion(root, "p", base, "m3") is None
    record_push(root, base, "k1", 1, "m1")
    record_push(root, base, "k2", 2, "m2")
    assert find_champion(root, "p", base, "m3")["version"] == 2
    assert find_champion(root, "p", base, "m2")["version"] == 1  # a re-run of the champion
    assert find_champion(root, "p", str(tmp_path / "elsewhere"), "m3") is None


def test_deleted_version_is_not_a_champion(tmp_path):
    root, base = str(tmp_path / "artifacts"), str(tmp_path / "serving" / "m")
    record_push(root, base, "k1", 1, "m1")
    record_push(root, base, "k2", 2, "m2")
    os.remove(os.path.join(base, "2", "saved_model.pb"))
    assert find_champion(root, "p", base, "m3")["version"] == 1



def test_champion_is_the_served_version_after_a_rollback(tmp_path):
    from tfpipe.components import serving_labels

    root, base = str(tmp_path / "artifacts"), str(tmp_path / "serving" / "m")
    for version in (1, 2):
        record_push(root, base, f"k{version}", version, f"m{version}")
        marker = os.path.join(base, str(version), serving_labels.PUSH_MARKER)
        os.makedirs(os.path.dirname(marker))
        with open(marker, "w") as handle:
            handle.write('{"blessed": true}')
        serving_labels.record_push(base, version, canary=False)
    assert find_champion(root, "p", base, "m3")["version"] == 2
    serving_labels.serve_version(base, 1, "rollback")
    assert find_champion(root, "p", base, "m3")["version"] == 1  # not the highest folder
    assert find_champion(root, "p", base, "m1")["version"] == 2  # a re-run of the served model
