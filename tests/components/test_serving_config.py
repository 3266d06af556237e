"""models.config: written with TF Serving's protos, only models with versions, labels and policy."""
from __future__ import annotations

import os

from tfpipe.components import serving_labels as sl
from tfpipe.components.serving_config import CONFIG_FILE, read_models_config, write_models_config


def entries(serving: str) -> dict:
    config = read_models_config(os.path.join(serving, CONFIG_FILE))
    return {c.name: c for c in config.model_config_list.config}


def test_lists_exactly_the_models_that_have_versions(tmp_path, add_version):
    serving = str(tmp_path / "serving")
    add_version(os.path.join(serving, "forecasting"), 1)
    os.makedirs(os.path.join(serving, "vision"))  # a base path without a version
    os.makedirs(os.path.join(serving, "text", ".staging-k-1-ab"))  # only a staging folder
    write_models_config(serving)
    found = entries(serving)
    assert set(found) == {"forecasting"}
    entry = found["forecasting"]
    assert entry.base_path == "/models/forecasting" and entry.model_platform == "tensorflow"
    assert list(entry.model_version_policy.specific.versions) == [1]
    assert dict(entry.version_labels) == {"stable": 1}


def test_labels_and_policy_follow_canary_and_rollback(tmp_path, add_version):
    serving = str(tmp_path / "serving")
    base = os.path.join(serving, "m")
    for version in (1, 2):
        add_version(base, version)
        sl.record_push(base, version, canary=True)
    write_models_config(serving)
    entry = entries(serving)["m"]
    assert list(entry.model_version_policy.specific.versions) == [1, 2]
    assert dict(entry.version_labels) == {"stable": 1, "canary": 2}
    sl.serve_version(base, 2, "promote")
    write_models_config(serving)
    entry = entries(serving)["m"]
    assert list(entry.model_version_policy.specific.versions) == [2]
    assert dict(entry.version_labels) == {"stable": 2}


def test_rewrite_is_atomic_and_leaves_no_temp_files(tmp_path, add_version):
    serving = str(tmp_path / "serving")
    add_version(os.path.join(serving, "a"), 1)
    path = write_models_config(serving)
    before = os.stat(path).st_mtime_ns
    write_models_config(serving)  # unchanged: not rewritten
    assert os.stat(path).st_mtime_ns == before
    assert sorted(os.listdir(serving)) == ["a", CONFIG_FILE]


def test_a_serving_dir_without_versions_gets_an_empty_list_tf_serving_accepts(tmp_path):
    serving = str(tmp_path / "serving")  # e.g. after a first run that was not blessed
    path = write_models_config(serving)
    with open(path) as handle:
        assert "model_config_list {\n}" in handle.read()
    config = read_models_config(path)
    assert config.WhichOneof("config") == "model_config_list"
    assert list(config.model_config_list.config) == []
