"""Config: defaults, files and --set overrides."""
from __future__ import annotations

import pytest

from tfpipe import config as cfg
from tfpipe.errors import InputError

DEFAULTS = {"window_size": 20, "learning_rate": 0.001, "model": "dense", "split_index": None,
            "flag": False}


def test_set_values_take_the_default_type():
    merged = cfg.resolve(DEFAULTS, {"split_index": int}, {},
                         ["window_size=30", "learning_rate=0.01", "split_index=3000",
                          "flag=true", "model=conv_lstm"])
    assert merged["window_size"] == 30 and merged["learning_rate"] == 0.01
    assert merged["split_index"] == 3000 and merged["flag"] is True
    assert merged["model"] == "conv_lstm"


def test_values_with_spaces_and_equals_survive():
    merged = cfg.resolve({"value_column": "value"}, {}, {},
                         ["value_column=Monthly Mean Total Sunspot Number"])
    assert merged["value_column"] == "Monthly Mean Total Sunspot Number"


def test_unknown_key_names_the_key_and_known_keys():
    with pytest.raises(InputError, match="unknown config key 'windw_size'.*window_size"):
        cfg.resolve(DEFAULTS, {}, {}, ["windw_size=3"])


def test_bad_type_names_the_key():
    with pytest.raises(InputError, match="--set window_size=abc: expected int"):
        cfg.resolve(DEFAULTS, {}, {}, ["window_size=abc"])


def test_file_then_set(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("window_size: 12\nmodel: conv_lstm\n")
    merged = cfg.resolve(DEFAULTS, {}, cfg.load_file(str(path)), ["window_size=14"])
    assert merged["window_size"] == 14 and merged["model"] == "conv_lstm"


def test_run_paths_default_to_the_workdir(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    paths = cfg.run_paths(str(tmp_path), {"serving_dir": None, "mlflow_tracking_uri": None})
    assert paths.tracking_uri == f"sqlite:///{tmp_path}/mlflow.db"
    assert paths.serving == str(tmp_path / "serving")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert cfg.run_paths(str(tmp_path), {}).tracking_uri == "http://127.0.0.1:5000"
