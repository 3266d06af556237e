"""Warm start: a component runs in a forked child while the parent imports modules.

Each case runs in a fresh interpreter, as `tfpipe run` does: the test process itself has
threads and modules from other tests that would (rightly) turn forking off.
"""
from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap

import pytest
from tfpipe.warm_start import import_all, run_while_importing

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="warm start forks only on Linux")

PRELUDE = """
import gc
import os
from tfpipe.errors import InputError
from tfpipe.warm_start import run_while_importing
"""


@pytest.fixture
def run_script(fresh_python):
    def run(body: str) -> subprocess.CompletedProcess:
        return fresh_python(PRELUDE + textwrap.dedent(body),
                            {"warm_module_for_test": "LOADED = True\n"}, timeout=120)
    return run


def test_the_call_runs_in_a_child_while_the_parent_imports(run_script):
    done = run_script("""
        pid, value = run_while_importing(lambda: (os.getpid(), 42), ("warm_module_for_test",))
        print(pid != os.getpid(), value, "warm_module_for_test" in sys.modules)
    """)
    assert done.stdout.split() == ["True", "42", "True"], done.stderr


def test_a_child_error_is_raised_in_the_parent_with_the_child_traceback(run_script):
    done = run_script("""
        def bad_input():
            raise InputError("data.csv: row 3: not a number")
        try:
            run_while_importing(bad_input, ("warm_module_for_test",))
        except InputError as error:
            print("caught:", error)
            print("note names the child frame:", "bad_input" in error.__notes__[0])
    """)
    assert "caught: data.csv: row 3: not a number" in done.stdout, done.stderr
    assert "note names the child frame: True" in done.stdout


def test_an_unpicklable_error_arrives_as_a_runtime_error_naming_it(run_script):
    done = run_script("""
        def fails():
            class LocalError(Exception):
                pass
            raise LocalError("only in the child")
        try:
            run_while_importing(fails, ("warm_module_for_test",))
        except RuntimeError as error:
            print("caught:", error)
    """)
    assert "caught: LocalError: only in the child" in done.stdout, done.stderr


def test_a_child_that_dies_is_reported(run_script):
    done = run_script("""
        try:
            run_while_importing(lambda: os._exit(3), ("warm_module_for_test",))
        except RuntimeError as error:
            print("caught:", error)
    """)
    assert ("caught: the component's process ended without a result (exit code 3)"
            in done.stdout), done.stderr


def test_a_child_killed_by_the_system_is_named_with_the_likely_cause(run_script):
    done = run_script("""
        import signal
        try:
            run_while_importing(lambda: os.kill(os.getpid(), signal.SIGKILL),
                                ("warm_module_for_test",))
        except RuntimeError as error:
            print("caught:", error)
    """)
    assert ("ended without a result (killed by SIGKILL: the system may have run out of "
            "memory)" in done.stdout), done.stderr


def test_output_printed_before_the_fork_is_not_repeated(run_script):
    done = run_script("""
        print("before", end=" ")
        run_while_importing(lambda: print("child", end=" "), ("warm_module_for_test",))
        print("after")
    """)
    assert done.stdout.split() == ["before", "child", "after"], done.stderr


def test_the_collector_is_back_on_and_the_imported_objects_are_frozen(run_script):
    done = run_script("""
        import gc
        run_while_importing(lambda: None, ("warm_module_for_test",))
        print(gc.isenabled(), gc.get_freeze_count() > 0)
    """)
    assert done.stdout.split() == ["True", "True"], done.stderr


def test_a_failing_import_leaves_the_collector_on(tmp_path):
    (tmp_path / "broken_module_for_test.py").write_text("raise RuntimeError('broken')\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(RuntimeError, match="broken"):
            import_all(("broken_module_for_test",))
    finally:
        sys.path.remove(str(tmp_path))
        gc.unfreeze()  # give this test process's objects back to the collector
    assert gc.isenabled()


def test_objects_made_while_paused_are_frozen_before_the_collector_resumes(run_script):
    done = run_script("""
        import gc
        from tfpipe.warm_start import collector_paused
        collections = []
        gc.callbacks.append(lambda phase, info: collections.append(info["generation"])
                            if phase == "start" else None)
        frozen = gc.get_freeze_count()
        with collector_paused():
            kept = [[index] for index in range(50_000)]
            disabled = not gc.isenabled()
        after = [[index] for index in range(100)]  # would trigger the collector's catch-up
        print(disabled, gc.isenabled(), gc.get_freeze_count() - frozen >= 50_000, collections)
    """)
    assert done.stdout.split() == ["True", "True", "True", "[]"], done.stderr


def test_the_collector_stays_off_after_a_pause_when_it_was_off(run_script):
    done = run_script("""
        import gc
        from tfpipe.warm_start import collector_paused
        gc.disable()
        with collector_paused():
            pass
        print(gc.isenabled())
    """)
    assert done.stdout.split() == ["False"], done.stderr


def test_without_modules_to_warm_or_already_loaded_the_call_runs_here():
    assert run_while_importing(os.getpid, ()) == os.getpid()
    assert run_while_importing(os.getpid, ("os",)) == os.getpid()


def test_a_missing_module_is_left_for_the_component_to_report():
    import_all(("no_such_module_anywhere", "json"))
    assert "json" in sys.modules


def test_unused_packages_are_not_loaded_by_the_imports_and_import_as_usual_after(tmp_path):
    (tmp_path / "optional_pkg_for_test.py").write_text("VALUE = 1\n")
    (tmp_path / "uses_optional_for_test.py").write_text(
        "try:\n    import optional_pkg_for_test\nexcept ImportError:\n"
        "    optional_pkg_for_test = None\n")
    sys.path.insert(0, str(tmp_path))
    finders = list(sys.meta_path)
    try:
        import_all(("uses_optional_for_test",), unused=("optional_pkg_for_test",))
        assert sys.modules["uses_optional_for_test"].optional_pkg_for_test is None
        assert "optional_pkg_for_test" not in sys.modules
        assert sys.meta_path == finders
        import optional_pkg_for_test  # noqa: F401 - hidden only while import_all ran
        assert sys.modules["optional_pkg_for_test"].VALUE == 1
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("optional_pkg_for_test", "uses_optional_for_test"):
            sys.modules.pop(name, None)
        gc.unfreeze()


def test_a_failing_import_puts_the_import_finders_back(tmp_path):
    (tmp_path / "broken_module_for_test.py").write_text("raise RuntimeError('broken')\n")
    sys.path.insert(0, str(tmp_path))
    finders = list(sys.meta_path)
    try:
        with pytest.raises(RuntimeError, match="broken"):
            import_all(("broken_module_for_test",), unused=("json",))
    finally:
        sys.path.remove(str(tmp_path))
        gc.unfreeze()
    assert sys.meta_path == finders


def test_the_run_imports_keras_without_scikit_learn_or_matplotlib(fresh_python):
    done = fresh_python("""
from tfpipe.pipelines.standard import WARM_IMPORTS
from tfpipe.warm_start import import_all
import_all(WARM_IMPORTS["ingest"])
print([name for name in ("keras", "tensorflow_transform", "sklearn", "matplotlib")
       if name in sys.modules])
import matplotlib.pyplot, sklearn.base  # installed, and importable once the imports are done
print("after", "sklearn" in sys.modules, "matplotlib" in sys.modules)
""")
    assert done.stdout.splitlines()[-2:] == ["['keras', 'tensorflow_transform']",
                                            "after True True"], done.stderr
