"""Names that become paths never lead outside the workdir or the serving folder; a workdir
that cannot be used fails in one line; nothing is written before the config is good."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tfpipe import cli
from tfpipe.errors import InputError

TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


def everything_under(folder) -> list[str]:
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, dirs, names in os.walk(folder) for name in dirs + names)


@pytest.mark.parametrize("name", ["../../escape", "/abs/dir", "..", "a/../../b"])
def test_push_path_builder_refuses_names_leading_outside_serving(tmp_path, name):
    from tfpipe.components.versions import model_base

    serving = tmp_path / "w" / "serving"
    with pytest.raises(InputError, match="outside"):
        model_base(str(serving), name)
    assert everything_under(tmp_path) == []


def test_push_path_builder_follows_symlinks(tmp_path):
    from tfpipe.components.versions import model_base

    serving = tmp_path / "serving"
    serving.mkdir()
    (serving / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InputError, match="elsewhere"):
        model_base(str(serving), "link")
    assert model_base(str(serving), "forecasting") == str(serving / "forecasting")
    # the serving folder itself may be a symlink: the check compares resolved paths
    (tmp_path / "real").mkdir()
    (tmp_path / "served").symlink_to(tmp_path / "real")
    assert model_base(str(tmp_path / "served"), "m") == str(tmp_path / "served" / "m")


def test_ensure_within_accepts_any_listed_root(tmp_path):
    from tfpipe.files import ensure_within

    roots = [str(tmp_path / "a"), str(tmp_path / "b")]
    assert ensure_within(str(tmp_path / "b" / "x"), roots) == str(tmp_path / "b" / "x")
    with pytest.raises(InputError):
        ensure_within(str(tmp_path / "ab"), roots)  # a prefix of the name is not a parent


@pytest.mark.parametrize("name", ["../../escape", "/abs/dir"])
def test_run_with_an_escaping_model_name_writes_nothing_anywhere(tmp_path, name):
    if name.startswith("/"):
        name = f"{tmp_path}{name}"  # an absolute path whose writes the test can see
    workdir = tmp_path / "a" / "b" / "w"
    done = subprocess.run([TFPIPE, "run", "forecasting", "--set", f"model_name={name}",
                           "--workdir", str(workdir)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfpipe: error: "), done.stderr
    assert name in lines[0]
    assert everything_under(tmp_path) == []


def run_cli(*args: str, cwd: str) -> subprocess.CompletedProcess:
    """`tfpipe ARGS` as a user runs it: its own process, stderr a real descriptor 2."""
    return subprocess.run([TFPIPE, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_workdir_that_is_a_file(tmp_path):
    path = tmp_path / "file"
    path.write_text("not a folder")
    for quiet in ([], ["--quiet"]):
        done = run_cli("run", "forecasting", "--workdir", str(path), *quiet, cwd=str(tmp_path))
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            f"tfpipe: error: --workdir {path}: is a file, not a folder; pass a folder path"]


def test_workdir_under_a_file_or_read_only_place(tmp_path):
    (tmp_path / "file").write_text("in the way")
    for workdir, cause in ((tmp_path / "file" / "w", "Not a directory"),
                           ("/proc/tfpipe-test-workdir", ""),
                           ("/sys/tfpipe-test-workdir", "")):
        if os.access(os.path.dirname(str(workdir)), os.W_OK) and _mkdir_works(str(workdir)):
            continue  # a writable /proc or /sys (not Linux's): nothing to learn here
        done = run_cli("run", "forecasting", "--workdir", str(workdir), cwd=str(tmp_path))
        assert done.returncode == 2
        err = done.stderr.strip().splitlines()
        assert len(err) == 1 and f"--workdir {workdir}: cannot write there" in err[0], err
        assert cause in err[0]


def _mkdir_works(path: str) -> bool:
    try:
        os.mkdir(path)
    except OSError:
        return False
    os.rmdir(path)
    return True


def test_prepare_workdir_creates_and_leaves_no_probe(tmp_path):
    from tfpipe.files import prepare_workdir

    workdir = prepare_workdir(str(tmp_path / "new" / "w"))
    assert os.path.isdir(workdir) and os.listdir(workdir) == []


@pytest.mark.parametrize("suffix, text, expected", [
    (".json", '{"epochs": 2,,}', "not valid JSON"),
    (".yaml", "epochs: [1, 2\n", "not valid YAML at line 2, column 1"),
    (".yaml", 'epochs: !!python/object/apply:os.system ["echo hi"]\n',
     "Python object tags are not accepted"),
    (".yaml", "- 1\n- 2\n", "expected a mapping"),
    (".yaml", "epochs: 2\nseed: 1\nepochs: 3\n",
     "not valid YAML at line 3, column 1: key 'epochs' is given twice"),
    (".json", '{"epochs": 2, "epochs": 3}', "not valid JSON: key 'epochs' is given twice"),
])
def test_broken_config_file_is_one_line(tmp_path, capsys, suffix, text, expected):
    path = tmp_path / f"config{suffix}"
    path.write_text(text)
    workdir = tmp_path / "w"
    code = cli.main(["run", "forecasting", "--config", str(path), "--workdir", str(workdir),
                     "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("tfpipe: error: ") and str(path) in err[0] and expected in err[0]
    assert not workdir.exists()
