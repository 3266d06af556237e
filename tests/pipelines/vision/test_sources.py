"""Recognising layouts and listing images with labels in file order."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.settings import parse
from tfpipe.pipelines.vision.sources import (FOLDER, IDX, NPZ, build_manifest, count_images,
                                             detect_kind, label_names)


def test_detects_each_layout(colour_folder, idx_folder, npz_file, tmp_path):
    config = parse(VisionSettings, {})
    assert detect_kind(colour_folder, config) == FOLDER
    assert detect_kind(idx_folder, config) == IDX
    assert detect_kind(npz_file, config) == NPZ
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="notes.txt: a file must be a .npz"):
        detect_kind(str(tmp_path / "notes.txt"), config)
    with pytest.raises(InputError, match="no such file"):
        detect_kind(str(tmp_path / "missing"), config)


def test_folder_lists_files_sorted_with_folder_labels(colour_folder):
    manifest = build_manifest(colour_folder, parse(VisionSettings, {"image_size": 16}))
    assert manifest.class_names == ("blue", "red")
    assert manifest.labels == ["blue"] * 6 + ["red"] * 6
    assert manifest.paths == sorted(manifest.paths)
    assert (manifest.image_size, manifest.channels) == ((16, 16), 3)  # folders default colour


def test_folder_class_names_select_and_check(colour_folder):
    manifest = build_manifest(colour_folder, parse(VisionSettings, {"class_names": "red,blue"}))
    assert manifest.labels[0] == "red"
    with pytest.raises(InputError, match="green"):
        build_manifest(colour_folder, parse(VisionSettings, {"class_names": "red,green"}))


def test_idx_native_shape_and_int_labels(idx_folder):
    manifest = build_manifest(idx_folder, parse(VisionSettings, {}))
    assert (len(manifest), manifest.image_size, manifest.channels) == (40, (8, 8), 1)
    assert manifest.labels[:5] == ["0", "1", "2", "3", "0"]
    assert manifest.array_ref is not None
    np.testing.assert_array_equal(manifest.array_ref.load(), manifest.arrays)


def test_idx_explicit_files(idx_folder):
    config = parse(VisionSettings, {"images": "train-images-idx3-ubyte.gz",
                           "labels": "train-labels-idx1-ubyte.gz"})
    assert len(build_manifest(idx_folder, config)) == 40
    with pytest.raises(InputError, match="both images and labels"):
        build_manifest(idx_folder, parse(VisionSettings, {"images": "train-images-idx3-ubyte.gz"}))


def test_npz_with_class_names(npz_file):
    manifest = build_manifest(npz_file, parse(VisionSettings, {"class_names": "nw,ne,sw,se"}))
    assert manifest.labels[:4] == ["nw", "ne", "sw", "se"]
    assert manifest.class_names == ("nw", "ne", "sw", "se")


def test_npz_missing_arrays(tmp_path):
    path = str(tmp_path / "bad.npz")
    np.savez(path, images=np.zeros((2, 4, 4)))
    with pytest.raises(InputError, match="needs arrays x and y"):
        build_manifest(path, parse(VisionSettings, {}))


def test_label_names_errors():
    with pytest.raises(InputError, match="label 3 has no entry"):
        label_names(np.array([0, 3]), ("a", "b"), "data.npz")
    assert label_names(np.array(["cat", "dog"]), (), "x") == ["cat", "dog"]


def test_single_class_is_refused(tmp_path):
    np.savez(str(tmp_path / "one.npz"), x=np.zeros((3, 4, 4)), y=np.zeros(3))
    with pytest.raises(InputError, match="at least two"):
        build_manifest(str(tmp_path / "one.npz"), parse(VisionSettings, {}))


def test_shared_mnist_is_recognised(shared_data):
    folder = os.path.join(shared_data, "vision", "mnist")
    manifest = build_manifest(folder, parse(VisionSettings, {}))
    assert (len(manifest), manifest.image_size, manifest.channels) == (10000, (28, 28), 1)
    assert set(manifest.labels) == {str(d) for d in range(10)}


def test_count_images_matches_the_manifest_of_each_layout(colour_folder, idx_folder, npz_file):
    config = parse(VisionSettings, {"image_size": 16})
    for path in (colour_folder, idx_folder, npz_file, os.path.dirname(npz_file)):
        assert count_images(path, config) == len(build_manifest(path, config).labels), path
    assert count_images(idx_folder, config) == 40
    shutil.copytree(os.path.join(colour_folder, "red"), os.path.join(colour_folder, "pink"))
    named = parse(VisionSettings, {"image_size": 16, "class_names": ["red", "pink"]})
    assert count_images(colour_folder, config) == 18
    assert count_images(colour_folder, named) == 12  # only the folders class_names lists
