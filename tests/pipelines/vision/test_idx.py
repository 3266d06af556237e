"""idx files: reading (gz or not), pairing by name, and clear errors."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe.pipelines.vision.idx import find_idx_pairs, load_idx_pair, read_idx

from .conftest import write_idx


@pytest.mark.parametrize("name", ["a-images-idx3-ubyte", "a-images-idx3-ubyte.gz"])
def test_round_trip(tmp_path, name):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(read_idx(write_idx(str(tmp_path / name), images)), images)


def test_bad_magic_and_size_mismatch(tmp_path):
    bad = tmp_path / "x-images-idx3-ubyte"
    bad.write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(InputError, match="bad magic"):
        read_idx(str(bad))
    short = tmp_path / "y-images-idx3-ubyte"
    short.write_bytes(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"\x00" * 3)
    with pytest.raises(InputError, match="holds 3 bytes"):
        read_idx(str(short))


def test_pairs_train_first_and_unpaired_named(tmp_path):
    for prefix in ("t10k", "train"):
        write_idx(str(tmp_path / f"{prefix}-images-idx3-ubyte.gz"), np.zeros((1, 2, 2)))
        write_idx(str(tmp_path / f"{prefix}-labels-idx1-ubyte.gz"), np.zeros((1,)))
    pairs = find_idx_pairs(str(tmp_path))
    assert [os.path.basename(i) for i, _ in pairs] == ["train-images-idx3-ubyte.gz",
                                                        "t10k-images-idx3-ubyte.gz"]
    write_idx(str(tmp_path / "extra-images-idx3-ubyte"), np.zeros((1, 2, 2)))
    with pytest.raises(InputError, match="extra-images"):
        find_idx_pairs(str(tmp_path))


def test_count_mismatch(tmp_path):
    images = write_idx(str(tmp_path / "a-images-idx3-ubyte"), np.zeros((3, 2, 2)))
    labels = write_idx(str(tmp_path / "a-labels-idx1-ubyte"), np.zeros((2,)))
    with pytest.raises(InputError, match="3 images but .* 2 labels"):
        load_idx_pair(images, labels)
