"""Library caches go to the workdir's cache/ folder, or the one the user names; never $HOME."""
from __future__ import annotations

import os

from tfpipe.user_caches import library_caches, point_library_caches


def test_library_caches_go_under_the_workdir_while_the_run_lasts(tmp_path, monkeypatch):
    for name in ("TFPIPE_CACHE_DIR", "MPLCONFIGDIR", "KERAS_HOME"):
        monkeypatch.delenv(name, raising=False)
    with library_caches(str(tmp_path)) as chosen:
        assert chosen == {"MPLCONFIGDIR": str(tmp_path / "cache" / "matplotlib"),
                          "KERAS_HOME": str(tmp_path / "cache" / "keras")}
        assert os.environ["MPLCONFIGDIR"] == chosen["MPLCONFIGDIR"]
    assert "MPLCONFIGDIR" not in os.environ and "KERAS_HOME" not in os.environ


def test_a_named_cache_folder_and_the_users_own_settings_win(tmp_path, monkeypatch):
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "mine"))
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    with library_caches(str(tmp_path / "w")) as chosen:
        pass  # the workdir does not exist: nothing is pointed anywhere
    assert chosen == {}
    (tmp_path / "w").mkdir()
    with library_caches(str(tmp_path / "w")) as chosen:
        assert chosen == {"MPLCONFIGDIR": str(tmp_path / "shared" / "matplotlib")}
    assert os.environ["KERAS_HOME"] == str(tmp_path / "mine")


def test_no_workdir_points_nothing(monkeypatch):
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    assert point_library_caches(None) == {} and "MPLCONFIGDIR" not in os.environ
