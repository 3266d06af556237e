"""Cache keys cover every project module a component or a task imports, and say which changed."""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

import tfpipe
from tfpipe import cache

# The repository holding the tfpipe package (tfpipe/, components/, pipelines/, schemas/).
ROOT = os.path.dirname(os.path.realpath(os.path.dirname(tfpipe.__file__)))


def closure(module_name: str) -> set[str]:
    """Labels of the files a module's key covers, found without importing the module."""
    spec = importlib.util.find_spec(module_name)
    return set(cache.module_closure(module_name, spec.origin))


def test_train_key_covers_the_helpers_it_imports():
    files = closure("tfpipe.components.train")
    assert {"components/train.py", "components/export.py", "components/datasets.py",
            "components/__init__.py", "tfpipe/__init__.py", "tfpipe/artifacts.py"} <= files


def test_ingest_key_covers_only_what_ingest_imports():
    files = closure("tfpipe.components.ingest")
    assert "components/ingest.py" in files and "components/tfrecords.py" in files
    assert "components/export.py" not in files and "components/train.py" not in files


def test_evaluate_key_covers_scoring_and_blessing():
    assert {"components/scoring.py", "components/blessing.py"} <= closure(
        "tfpipe.components.evaluate")


def test_task_key_covers_the_packages_the_task_imports():
    text_generation = importlib.import_module("tfpipe.pipelines.text_generation")
    files = cache.package_digest(text_generation)
    # Its own folder, the text package it borrows from (with its word list), and the schemas.
    assert "pipelines/text_generation/__init__.py" in files
    assert {"pipelines/text/config.py", "pipelines/text/stopwords.txt",
            "schemas/__init__.py", "schemas/text_generation.pbtxt"} <= set(files)
    assert "pipelines/vision/__init__.py" not in files


def test_task_key_is_the_same_for_the_package_and_its_task_object():
    from tfpipe.registry import load_task

    task = load_task("forecasting")
    package = importlib.import_module("tfpipe.pipelines.forecasting")
    assert cache.package_digest(task) == cache.package_digest(package)


def test_reason_names_the_changed_files():
    old = {"component_source": {"components/train.py": "a", "components/export.py": "b"},
           "task_source": {"pipelines/forecasting/model.py": "c"}}
    new = {"component_source": {"components/train.py": "a", "components/export.py": "B",
                                "components/progress.py": "d"},
           "task_source": {"pipelines/forecasting/model.py": "c"}}
    reason = cache.explain_change(old, new)
    assert reason == ("component source changed: components/export.py, "
                      "components/progress.py (new)")
    # A fingerprint written before per-file digests still gives a reason.
    older = {"component_source": "abc", "task_source": new["task_source"]}
    assert cache.explain_change(older, new) == "component source changed"


def test_relative_and_function_level_imports_are_followed():
    names = cache._scan_imports("tfpipe.components.push", False,
                                *cache._stamp(importlib.util.find_spec(
                                    "tfpipe.components.push").origin))
    assert "tfpipe.components.scoring" in names  # imported inside validate_serving


def test_cache_check_imports_no_heavy_library():
    code = ("import importlib.util, sys, time\n"
            "from tfpipe import cache\n"
            "started = time.perf_counter()\n"
            "for name in ('ingest', 'transform', 'train', 'evaluate', 'push'):\n"
            "    m = f'tfpipe.components.{name}'\n"
            "    cache.module_closure(m, importlib.util.find_spec(m).origin)\n"
            "cache.package_digest(importlib.import_module('tfpipe.pipelines.forecasting'))\n"
            "heavy = [m for m in ('tensorflow', 'apache_beam', 'mlflow', 'keras')"
            " if m in sys.modules]\n"
            "print(heavy, time.perf_counter() - started)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "[]", out


# End to end: editing a helper module re-runs exactly the components that import it.

SETS = ["model=dense", "units=8", "window_size=12", "epochs=2", "patience=1",
        "batch_size=16"]
RUN = ("import json, sys, tfpipe\n"
       "from tfpipe.local_run import run_task\n"
       "result = run_task('forecasting', sys.argv[1], None, json.loads(sys.argv[3]),"
       " sys.argv[2], [], quiet=True)\n"
       "print(json.dumps({'tfpipe': tfpipe.__file__, **result}))\n")


def copy_project(root: str, target: str) -> str:
    """The tfpipe package (a checkout's or an installed one) copied to target/tfpipe as files."""
    os.makedirs(target)
    shutil.copytree(os.path.dirname(os.path.abspath(tfpipe.__file__)),
                    os.path.join(target, "tfpipe"), symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def run_copy(project: str, data: str, workdir: str) -> dict:
    env = {**os.environ, "PYTHONPATH": project}
    done = subprocess.run([sys.executable, "-c", RUN, data, workdir, json.dumps(SETS)],
                          capture_output=True, text=True, env=env, cwd=project, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["tfpipe"].startswith(project), result["tfpipe"]
    return result


def edit_export_and_rerun(root: str, tmp: str, data: str) -> tuple[dict, dict]:
    """Run a copy of the project, append a comment to components/export.py, run again."""
    project = copy_project(root, os.path.join(tmp, "project"))
    workdir = os.path.join(tmp, "work")
    first = run_copy(project, data, workdir)
    with open(os.path.join(project, "tfpipe", "components", "export.py"), "a",
              encoding="utf-8") as f:
        f.write("# an edit that must reach train's cache key\n")
    return first, run_copy(project, data, workdir)


@pytest.mark.slow
def test_editing_a_helper_reruns_the_components_that_import_it(tmp_path, tiny_series_csv):
    first, second = edit_export_and_rerun(ROOT, str(tmp_path), tiny_series_csv)
    assert first["cached"] == []
    assert second["cached"] == ["ingest", "transform"], second["ran"]
    assert set(second["ran"]) == {"train", "evaluate", "push"}
    assert "components/export.py" in second["ran"]["train"], second["ran"]["train"]


def test_a_new_process_reuses_the_import_scans_a_run_saved_and_rescans_a_changed_file(tmp_path):
    """The memo of each file's imports survives the process; a file's new stamp misses it."""
    import json
    import subprocess
    import sys

    from tfpipe import cache

    memo = str(tmp_path / "artifacts" / cache.IMPORTS_MEMO_NAME)
    probe = ("import sys\nfrom unittest import mock\nfrom tfpipe import cache\n"
             "cache.load_imports_memo(sys.argv[1])\n"
             "from tfpipe.components.train import train\n"
             "with mock.patch.object(cache, '_scan_imports', wraps=cache._scan_imports) as scan:\n"
             "    cache.source_digest(train.fn)\n"
             "cache.save_imports_memo(sys.argv[1])\n"
             "print(scan.call_count)\n")

    def parsed() -> int:
        done = subprocess.run([sys.executable, "-c", probe, memo], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return int(done.stdout.strip().splitlines()[-1])

    assert parsed() >= 5  # the first process parses the whole closure
    assert parsed() == 0  # the next one parses nothing
    with open(memo, encoding="utf-8") as handle:
        saved = json.load(handle)
    (key,) = [k for k in saved if k.endswith("/components/train.py")]
    name, package, _, size, path = key.split("|", 4)
    saved[f"{name}|{package}|1|{size}|{path}"] = saved.pop(key)  # as if train.py had changed
    with open(memo, "w", encoding="utf-8") as handle:
        json.dump(saved, handle)
    assert parsed() == 1  # only the file whose stamp no longer matches is parsed again
