"""Transfer learning, measured through the pipeline on MNIST: digits 0-4 help digits 5-9.

The target task has few labels (1,000 images of 5-9 to train on), the case transfer learning
is for; evaluation is on every 5-9 image in the last 2,000 of the file.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from tfpipe.local_run import run_task

pytestmark = pytest.mark.slow
SPLIT = 8000  # MNIST test file: first 8,000 train, last 2,000 evaluate
TARGET_TRAIN = 1000


def write_half(path: str, x: np.ndarray, y: np.ndarray, keep: np.ndarray) -> int:
    """Save the kept images as .npz; return the split index (kept images among the first)."""
    np.savez(path, x=x[keep], y=y[keep])
    return int(np.count_nonzero(keep[:SPLIT]))


@pytest.fixture
def halves(shared_data, tmp_path_factory) -> dict[str, tuple[str, int]]:
    """MNIST 0-4 (all) and 5-9 (1,000 to train) as .npz files keeping the 8,000/2,000 split."""
    from tfpipe.pipelines.vision.idx import find_idx_pairs, load_idx_pair

    (x, y), = [load_idx_pair(*pair)
               for pair in find_idx_pairs(os.path.join(shared_data, "vision", "mnist"))]
    folder = tmp_path_factory.mktemp("mnist-halves")
    first = np.arange(len(y)) < SPLIT
    high = y >= 5
    few = high & ~first
    few[np.flatnonzero(high & first)[:TARGET_TRAIN]] = True
    return {name: (str(folder / f"{name}.npz"),
                   write_half(str(folder / f"{name}.npz"), x, y, keep))
            for name, keep in (("low", y < 5), ("high", few))}


def run(data: tuple[str, int], workdir: str, extra: list[str]) -> dict:
    path, split_index = data
    return run_task("vision", path, None, [f"split_index={split_index}", *extra], workdir, [],
                    quiet=True)


def test_base_on_0_to_4_beats_scratch_on_5_to_9_after_one_epoch(halves, tmp_path):
    base = run(halves["low"], str(tmp_path / "base"), ["epochs=3"])
    assert base["pushed_version"] == 1, base["reason"]
    transfer = run(halves["high"], str(tmp_path / "transfer"),
                   ["epochs=1", f"base_model={base['serving_path']}"])
    scratch = run(halves["high"], str(tmp_path / "scratch"), ["epochs=1"])
    accuracy = {name: result["metrics"]["candidate"]["accuracy"]
                for name, result in (("transfer", transfer), ("scratch", scratch))}
    print(f"\ntransfer 0-4 -> 5-9 after one epoch: {accuracy}")
    assert accuracy["transfer"] > accuracy["scratch"], accuracy
