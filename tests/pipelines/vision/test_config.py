"""Vision config: flat keys parsed and checked, defaults registered with the framework."""
from __future__ import annotations

import pytest

from tfpipe.pipelines import vision
from tfpipe.errors import InputError
from tfpipe.pipelines.vision.config import (Augmentation, VisionSettings, parse_ints,
                                            parse_names, parse_size)
from tfpipe.settings import parse


@pytest.mark.parametrize("value, expected", [
    (28, (28, 28)), ("28", (28, 28)), ("32x24", (32, 24)), ([32, 24], (32, 24)),
    ("[32, 24]", (32, 24)), (None, None), ("", None)])
def test_image_size_forms(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize("value", ["0x4", "abc", [1, 2, 3], "100000", "32x2049"])
def test_bad_image_size_names_the_key(value):
    with pytest.raises(InputError,
                       match="config image_size=.*: (expected N|both sides|each side)"):
        parse(VisionSettings, {"image_size": value})


def test_names_and_ints():
    assert parse_names("cat, dog") == ("cat", "dog")
    assert parse_names(["a", "b"]) == ("a", "b")
    with pytest.raises(InputError, match="class_names='a,a': names must be unique"):
        parse(VisionSettings, {"class_names": "a,a"})
    with pytest.raises(InputError, match="class_names='cat': a classifier needs at least two "
                       "classes; list them all, or leave class_names unset"):
        parse(VisionSettings, {"class_names": "cat"})
    assert parse_ints("[16, 32]") == (16, 32)
    assert parse_ints("8,4") == (8, 4)


def test_flat_augment_keys_make_one_augmentation():
    config = parse(VisionSettings, {"augment_flip": "horizontal", "augment_rotation": 0.1})
    assert config.augmentation == Augmentation("horizontal", 0.1, 0.0, 0.0)
    assert config.augmentation.enabled
    assert not parse(VisionSettings, {}).augmentation.enabled


def test_framework_keys_are_ignored_and_values_converted():
    config = parse(VisionSettings, {"epochs": "3", "split_index": 8000.0, "margin": 0.05,
                                    "conv_filters": [8], "image_size": "16x16", "channels": 3})
    assert (config.epochs, config.split_index, config.conv_filters) == (3, 8000, (8,))
    assert (config.image_size, config.channels) == ((16, 16), 3)


@pytest.mark.parametrize("params, key", [
    ({"channels": 2}, "channels"), ({"eval_fraction": 1.0}, "eval_fraction"),
    ({"pixel_scaling": "max"}, "pixel_scaling"), ({"fine_tune_layers": 2}, "base_model"),
    ({"augment_flip": "diagonal"}, "augment_flip"), ({"epochs": 0}, "epochs"),
    ({"dropout": 1.0}, "dropout"), ({"conv_filters": [], "base_model": ""}, "conv_filters"),
    ({"epochs": 1.5}, "epochs"), ({"split_index": 0}, "split_index")])
def test_bad_values_name_the_key(params, key):
    with pytest.raises(InputError, match=key):
        parse(VisionSettings, params)


def test_task_defaults_cover_every_param_group_key():
    known = set(vision.TASK.defaults)
    for group, keys in vision.PARAM_GROUPS.items():
        assert set(keys) <= known, (group, set(keys) - known)
    parse(VisionSettings, vision.TASK.defaults)


def test_task_validate_rejects_missing_base_model(tmp_path):
    config = {**vision.TASK.defaults, "base_model": str(tmp_path / "nope.keras")}
    with pytest.raises(InputError, match="nothing is downloaded"):
        parse(VisionSettings, config)
