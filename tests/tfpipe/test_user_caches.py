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


def test_an_unwritable_cache_folder_is_a_one_line_error_before_the_run(tmp_path, monkeypatch,
                                                                        capsys):
    from tfpipe.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(blocker / "cache"))
    workdir = tmp_path / "w"
    assert main(["run", "forecasting", "--workdir", str(workdir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"tfpipe: error: TFPIPE_CACHE_DIR={blocker / 'cache'}: {blocker} is a file, "
                   "not a folder; name a folder you can write, or unset it to keep caches in "
                   "the workdir"]
    assert not workdir.exists()
    workdir.mkdir()
    assert main(["runs", "--workdir", str(workdir)]) == 2


def test_a_cache_folder_that_exists_with_a_cache_inside_is_fine(tmp_path, monkeypatch):
    from tfpipe.user_caches import check_shared_cache_dir

    (tmp_path / "shared" / "cache").mkdir(parents=True)
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(tmp_path / "shared"))
    check_shared_cache_dir()
    monkeypatch.setenv("TFPIPE_CACHE_DIR", str(tmp_path / "not-yet" / "made"))
    check_shared_cache_dir()
