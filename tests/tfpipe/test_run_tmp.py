"""A run's temporary files stay in its workdir: nothing is left in the system's temp folder,
nor caches in the home folder."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from tfpipe.run_tmp import PARENT, PREFIX, run_tmp

TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


def test_tmpdir_points_into_the_workdir_while_the_run_lasts(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "system"))
    before = tempfile.gettempdir()
    with run_tmp(str(tmp_path / "w")) as folder:
        assert os.path.dirname(folder) == str(tmp_path / "w" / PARENT)
        assert os.environ["TMPDIR"] == folder and tempfile.gettempdir() == folder
        with tempfile.NamedTemporaryFile() as handle:
            assert os.path.dirname(handle.name) == folder
    assert os.environ["TMPDIR"] == str(tmp_path / "system")
    assert tempfile.gettempdir() == before
    assert not os.path.exists(folder)


def test_a_killed_runs_folder_is_swept_and_a_live_ones_kept(tmp_path):
    parent = tmp_path / "w" / PARENT
    dead = parent / f"{PREFIX}files-999999999-abcd1234"  # no such pid
    live = parent / f"{PREFIX}files-{os.getppid()}-abcd1234"
    for folder in (dead, live):
        folder.mkdir(parents=True)
    with run_tmp(str(tmp_path / "w")):
        assert not dead.exists() and live.exists()


@pytest.mark.slow
def test_a_run_writes_nothing_outside_its_workdir(tmp_path):
    system, home = tmp_path / "system-tmp", tmp_path / "home"
    system.mkdir()
    home.mkdir()
    workdir = tmp_path / "w"
    unset = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "TFPIPE_CACHE_DIR", "MPLCONFIGDIR",
             "KERAS_HOME")
    done = subprocess.run(
        [TFPIPE, "run", "forecasting", "--workdir", str(workdir), "--quiet",
         "--set", "epochs=2", "--set", "ensemble_size=1"],
        capture_output=True, text=True, cwd=tmp_path, timeout=900,
        env={**{k: v for k, v in os.environ.items() if k not in unset},
             "TMPDIR": str(system), "HOME": str(home)})
    assert done.returncode == 0, done.stderr[-3000:]
    # TensorFlow's autograph wrote converted functions to the system folder before; the MLflow
    # store template, matplotlib's font list and Keras's keras.json went to the home folder.
    assert sorted(os.listdir(system)) == []
    assert sorted(os.listdir(home)) == []
    assert sorted(os.listdir(workdir / "cache")) == ["keras", "matplotlib"]
    assert not [n for n in os.listdir(workdir / PARENT) if n.startswith(PREFIX)]
