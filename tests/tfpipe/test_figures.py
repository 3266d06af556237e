"""Figures: drawn by a forked helper while the component goes on, waited for before commit.

Each case runs in a fresh interpreter, as `tfpipe run` does: this test process has
TensorFlow loaded, which (rightly) keeps the helper from forking here.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the figure helper forks only on Linux")

# A module of drawing functions the helper imports by name, as it does a task's charts.
DRAWINGS = '''
import os

def labelled(note, text):
    """A one-axis figure; `note` gets the drawing process's id."""
    import matplotlib.pyplot as plt
    with open(note, "w") as handle:
        handle.write(str(os.getpid()))
    figure, axis = plt.subplots(figsize=(2, 2))
    axis.set_title(text)
    return figure

def broken(note, text):
    raise ValueError(f"no data for {text}")
'''

PRELUDE = """
import os
from tfpipe import figures
import drawings_for_test as drawings
folder = os.path.dirname(os.path.abspath(__file__))
def png(name):
    return os.path.join(folder, name)
def drawn_by(name):
    with open(png(name + ".pid")) as handle:
        return "helper" if int(handle.read()) != os.getpid() else "here"
def is_png(name):
    with open(png(name), "rb") as handle:
        return handle.read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
"""


@pytest.fixture
def run_script(fresh_python):
    def run(body: str) -> subprocess.CompletedProcess:
        return fresh_python(PRELUDE + textwrap.dedent(body), {"drawings_for_test": DRAWINGS})
    return run


def test_the_helper_draws_and_finish_waits_until_the_file_is_written(run_script):
    done = run_script("""
        figures.start()
        figures.save(drawings.labelled, (png("a.pid"), "a"), png("a.png"))
        figures.save(drawings.labelled, (png("b.pid"), "b"), png("b.png"), dpi=50)
        print("matplotlib here:", "matplotlib" in sys.modules)
        figures.finish()
        print(drawn_by("a"), drawn_by("b"), is_png("a.png"), is_png("b.png"))
        figures.stop()
    """)
    assert done.stdout.split("\n")[:2] == ["matplotlib here: False", "helper helper True True"], \
        done.stderr


def test_a_failed_figure_names_the_file_and_the_error(run_script):
    done = run_script("""
        figures.start()
        figures.save(drawings.broken, (png("x.pid"), "sales"), png("sales.png"))
        figures.save(drawings.labelled, (png("ok.pid"), "ok"), png("ok.png"))
        try:
            figures.finish()
        except figures.FigureFailed as error:
            print("caught:", error)
        print("the next one was still drawn:", is_png("ok.png"))
        figures.save(drawings.broken, (png("y.pid"), "again"), png("again.png"))
        figures.finish(discard=True)  # a failed component's figures: nothing raised
        figures.save(drawings.labelled, (png("c.pid"), "c"), png("c.png"))
        figures.finish()  # and nothing left over for the next component
        print("after a discard:", is_png("c.png"))
        figures.stop()
    """)
    assert ("caught: figure sales.png: ValueError: no data for sales" in done.stdout
            ), done.stderr
    assert "the next one was still drawn: True" in done.stdout
    assert "after a discard: True" in done.stdout


def test_figures_are_drawn_here_when_the_helper_died(run_script):
    done = run_script("""
        import signal
        figures.start()
        os.kill(figures._current.pid, signal.SIGKILL)
        os.waitpid(figures._current.pid, 0)
        figures.save(drawings.labelled, (png("a.pid"), "a"), png("a.png"))
        figures.save(drawings.labelled, (png("b.pid"), "b"), png("b.png"))
        figures.finish()
        print(drawn_by("a"), drawn_by("b"), is_png("a.png"), is_png("b.png"))
        figures.stop()
    """)
    assert done.stdout.split() == ["here", "here", "True", "True"], done.stderr


def test_no_helper_when_the_fork_fails_or_tensorflow_is_loaded(run_script):
    done = run_script("""
        import types
        fork = os.fork
        def no_process_to_spare():
            raise BlockingIOError(11, "Resource temporarily unavailable")
        os.fork = no_process_to_spare
        figures.start()
        print("helper without a fork:", figures._current is not None)
        os.fork = fork
        sys.modules["tensorflow"] = types.ModuleType("tensorflow")  # as after train's import
        figures.start()
        print("helper after tensorflow:", figures._current is not None)
        figures.save(drawings.labelled, (png("a.pid"), "a"), png("a.png"))
        figures.finish()
        print(drawn_by("a"), is_png("a.png"))
    """)
    assert done.stdout.split("\n")[:3] == ["helper without a fork: False",
                                           "helper after tensorflow: False", "here True"], \
        done.stderr


def test_a_local_function_or_arguments_other_than_plain_data_are_drawn_here(run_script):
    done = run_script("""
        def make_local():
            def local(note, text):
                return drawings.labelled(note, text)
            return local
        local = make_local()
        class Title(str):
            \"\"\"Not plain data: the helper would have to import its module.\"\"\"
        figures.start()
        figures.save(local, (png("b.pid"), "b"), png("b.png"))  # cannot be sent by name
        figures.save(drawings.labelled, (png("c.pid"), Title("c")), png("c.png"))
        figures.save(drawings.labelled, (png("d.pid"), "d"), png("d.png"))
        figures.finish()
        print(drawn_by("b"), drawn_by("c"), drawn_by("d"), is_png("b.png"), is_png("c.png"))
        figures.stop()
    """)
    assert done.stdout.split() == ["here", "here", "helper", "True", "True"], done.stderr


def test_the_helper_holds_none_of_the_parents_files_and_ends_with_it(run_script):
    done = run_script("""
        import fcntl
        lock = open(png("workdir.lock"), "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
        figures.start()
        pid = figures._current.pid
        figures.save(drawings.labelled, (png("a.pid"), "a"), png("a.png"))
        figures.finish()  # the helper is past its start-up by now
        held = sorted(os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")
                      if int(fd) > 2)
        print("lock held by the helper:", any(h.endswith("workdir.lock") for h in held))
        print("sockets:", sum(h.startswith("socket:") for h in held))
        print("other files:", sorted({h.split("/mpl-data/")[0].split("/")[-1] for h in held
                                      if not h.startswith("socket:")}))
        figures.stop()
        print("helper running after stop:", os.path.exists(f"/proc/{pid}"))
    """)
    assert "lock held by the helper: False" in done.stdout, done.stderr
    assert "sockets: 1" in done.stdout  # its end of the pipe
    assert "other files: ['matplotlib']" in done.stdout  # the fonts it opened itself
    assert "helper running after stop: False" in done.stdout


def test_a_component_commits_with_its_figure_and_a_failed_one_leaves_nothing(run_script):
    done = run_script("""
        from tfpipe.artifacts import Artifact
        from tfpipe.component import Output, Parameter, Report, component
        from tfpipe.errors import ComponentFailed
        from tfpipe.pipeline import Node, Pipeline
        from tfpipe.runner import LocalRunner

        @component
        def chart(fail: Parameter[bool], plot: Output[Artifact]) -> Report:
            figures.save(drawings.labelled, (plot.path("pid"), "p"), plot.path("p.png"))
            if fail:
                raise RuntimeError("failed after asking for a figure")
            return Report(plots=["plot/p.png"])

        for fail in (True, False):
            workdir = png(f"work-{fail}")
            try:
                state = LocalRunner(workdir, quiet=True).run(
                    Pipeline("charts", [Node(chart, params={"fail": fail})]))
                folder = state.outcomes["chart"].record.output("plot", Artifact).uri
                with open(os.path.join(folder, "pid")) as handle:
                    by = "helper" if int(handle.read()) != os.getpid() else "here"
                print("committed:", is_png(os.path.join(folder, "p.png")), by)
            except ComponentFailed as error:
                root = os.path.join(workdir, "artifacts", "charts", "chart")
                print("failed:", error, os.listdir(root))
        print("helper left:", figures._current is not None)
    """)
    assert "failed: component chart failed: failed after asking for a figure []" in done.stdout, \
        done.stderr
    assert "committed: True helper" in done.stdout
    assert "helper left: False" in done.stdout


def test_plain_data_is_builtins_and_numpy_only():
    import collections

    import numpy as np

    from tfpipe.figures import plain_pickle

    assert plain_pickle({"loss": [0.5, 0.25], "counts": np.arange(3), "mae": np.float64(1.5),
                         "names": ("a", None, True)})
    with pytest.raises(TypeError, match="collections.OrderedDict"):
        plain_pickle({"columns": collections.OrderedDict(target=[1.0])})
    with pytest.raises(TypeError, match="not plain data"):
        plain_pickle([np.array([collections.Counter()], dtype=object)])
