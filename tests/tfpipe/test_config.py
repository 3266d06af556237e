"""Config: task settings declared once, then files and --set overrides checked against them."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tfpipe import config as cfg
from tfpipe import settings
from tfpipe.errors import InputError
from tfpipe.registry import task_infos
from tfpipe.settings import Settings, key


@dataclass(frozen=True)
class DemoSettings(Settings):
    """A small task's keys, one of each kind."""

    window_size: int = key(20, at_least=1, at_most=1000)
    learning_rate: float = key(0.001, above=0.0)
    model: str = key("dense", choices=("dense", "conv_lstm"))
    split_index: int | None = key(None, at_least=1)
    flag: bool = False
    value_column: str = "value"
    names: tuple[str, ...] = ()

    def check(self) -> None:
        if self.split_index is not None and self.split_index < self.window_size:
            raise InputError("config split_index: must be >= window_size")


def test_set_values_take_the_declared_type():
    merged = cfg.resolve(DemoSettings, {},
                         ["window_size=30", "learning_rate=0.01", "split_index=3000",
                          "flag=true", "model=conv_lstm", "names=a, b"])
    assert merged["window_size"] == 30 and merged["learning_rate"] == 0.01
    assert merged["split_index"] == 3000 and merged["flag"] is True
    assert merged["model"] == "conv_lstm" and merged["names"] == ["a", "b"]
    assert merged["seed"] == 42 and merged["model_name"] is None  # common keys


@pytest.mark.parametrize("text", ["a, b", "[a, b]", '["a", "b"]', "['a', 'b']", "[a,b]"])
def test_a_list_is_taken_in_every_form_a_user_types(text):
    assert cfg.resolve(DemoSettings, {}, [f"names={text}"])["names"] == ["a", "b"]


def test_values_with_spaces_and_equals_survive():
    merged = cfg.resolve(DemoSettings, {}, ["value_column=Monthly Mean = Sunspots"])
    assert merged["value_column"] == "Monthly Mean = Sunspots"


def test_unknown_key_names_the_key_and_known_keys():
    with pytest.raises(InputError, match="unknown config key 'windw_size'.*window_size"):
        cfg.resolve(DemoSettings, {}, ["windw_size=3"])


@pytest.mark.parametrize("files, sets, message", [
    ({"windw_size": 3}, [], "config file run.yaml: unknown config key 'windw_size' "
                            "(did you mean 'window_size'?); known keys: champion_"),
    ({}, ["learning_rat=0.1"], "--set learning_rat=0.1: unknown config key 'learning_rat' "
                               "(did you mean 'learning_rate'?); known keys: "),
    ({}, ["colour=red"], "--set colour=red: unknown config key 'colour'; known keys: "),
])
def test_a_mistyped_name_is_reported_where_it_was_given_with_the_closest_key(files, sets,
                                                                            message):
    with pytest.raises(InputError) as raised:
        cfg.resolve(DemoSettings, files, sets, "config file run.yaml")
    assert str(raised.value).startswith(message)


def test_a_mistyped_key_in_a_config_file_names_that_file(tmp_path):
    from tfpipe.local_run import prepare_config

    path = tmp_path / "run.yaml"
    path.write_text("epochs: 3\nwindw_size: 4\n")
    with pytest.raises(InputError, match=f"^config file {path}: unknown config key "
                                         "'windw_size' \\(did you mean 'window_size'\\?\\)"):
        prepare_config("forecasting", str(path), [])


def test_unknown_keys_passed_to_parse_each_get_their_closest_key():
    with pytest.raises(InputError, match="unknown config key\\(s\\) flg \\(did you mean "
                                         "'flag'\\?\\), windw \\(did you mean 'window_size'"):
        settings.parse(DemoSettings, {"windw": 1, "flg": True})


@pytest.mark.parametrize("item, message", [
    ("window_size=abc", "window_size='abc': expected int"),
    ("window_size=2.5", "window_size='2.5': expected int"),
    ("window_size=0", "window_size=0: must be >= 1"),
    ("window_size=99999999999999999999", "window_size=99999999999999999999: must be <= 1000"),
    ("learning_rate=0", "learning_rate=0.0: must be > 0.0"),
    ("learning_rate=nan", "learning_rate='nan': expected float"),
    ("learning_rate=inf", "learning_rate='inf': expected float"),
    ("model=lstm", "model='lstm': choose one of 'dense', 'conv_lstm'"),
    ("flag=maybe", "flag='maybe': expected bool"),
    ("model=none", "model: cannot be null"),
    ("split_index=5", "split_index: must be >= window_size"),
    ("seed=-1", "seed=-1: must be >= 0"),
])
def test_bad_values_name_the_key_and_the_rule(item, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cfg.resolve(DemoSettings, {}, [item])


@pytest.mark.parametrize("name", ["../../escape", "/abs/dir", "a/b", ".hidden", "..", "",
                                  "has space", "x" * 64, "semi;colon"])
@pytest.mark.parametrize("key_name", ["model_name", "pipeline_name", "experiment_name"])
def test_names_that_become_paths_are_checked(key_name, name):
    with pytest.raises(InputError, match=f"config {key_name}=.*: use 1-63 letters"):
        cfg.resolve(DemoSettings, {}, [f"{key_name}={name}"])


@pytest.mark.parametrize("name", ["forecasting", "text_generation", "v2.1-beta", "A" * 63])
def test_good_names_pass(name):
    assert cfg.resolve(DemoSettings, {}, [f"model_name={name}"])["model_name"] == name


def test_file_values_are_checked_like_set_values(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("window_size: 12\nmodel: conv_lstm\n")
    merged = cfg.resolve(DemoSettings, cfg.load_file(str(path)), ["window_size=14"])
    assert merged["window_size"] == 14 and merged["model"] == "conv_lstm"
    path.write_text("window_size: -3\n")
    with pytest.raises(InputError, match="window_size=-3: must be >= 1"):
        cfg.resolve(DemoSettings, cfg.load_file(str(path)), [])


@pytest.mark.parametrize("name", sorted(task_infos()))
def test_every_task_declares_its_keys_one_way(name):
    info = task_infos()[name]
    assert issubclass(info.settings, Settings)
    assert settings.parse(info.settings, info.defaults) == info.settings()
    assert cfg.resolve(info.settings, {}, []) == info.defaults


@pytest.mark.parametrize("name", sorted(task_infos()))
def test_every_task_bounds_its_sizes(name):
    info = task_infos()[name]
    for size_key in ("batch_size", "epochs"):
        with pytest.raises(InputError, match=f"{size_key}=.*must be <="):
            cfg.resolve(info.settings, {}, [f"{size_key}=99999999999999999999"])
        with pytest.raises(InputError, match=f"{size_key}=0: must be >= 1"):
            cfg.resolve(info.settings, {}, [f"{size_key}=0"])


def test_params_parse_once_per_distinct_params():
    first = settings.from_params(DemoSettings, {"window_size": 5})
    assert settings.from_params(DemoSettings, {"window_size": 5}) is first
    assert settings.from_params(DemoSettings, {"window_size": 6}).window_size == 6


def test_a_bad_name_exits_2_with_one_line_and_writes_nothing(tmp_path):
    workdir = tmp_path / "inner" / "work"
    result = subprocess.run(
        [sys.executable, "-m", "tfpipe.cli", "run", "forecasting", "--workdir", str(workdir),
         "--set", "model_name=../../x"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "model_name='../../x'" in lines[0], result.stderr
    assert os.listdir(tmp_path) == []


def test_run_paths_default_to_the_workdir(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    paths = cfg.run_paths(str(tmp_path), {"serving_dir": None, "mlflow_tracking_uri": None})
    assert paths.tracking_uri == f"sqlite:///{tmp_path}/mlflow.db"
    assert paths.serving == str(tmp_path / "serving")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert cfg.run_paths(str(tmp_path), {}).tracking_uri == "http://127.0.0.1:5000"
