"""The terminal of a cold `tfpipe run`: no TensorFlow C++ lines, progress bars on a TTY."""
from __future__ import annotations

import os
import pty
import re
import select
import struct
import subprocess
import sys
import time

import pytest

from tfpipe.progress import Bar, open_bar

pytestmark = pytest.mark.slow
TINY = ["model=dense", "units=8", "ensemble_size=1", "epochs=3", "window_size=12"]
NATIVE_LINES = ("absl::InitializeLog", "cudart_stub", "cuInit", "cuda_platform", "oneDNN",
                "I0000 00:00", "E0000 00:00", "W0000 00:00")
TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


def run_in_pty(argv: list[str], columns: int = 120, deadline: float = 900) -> tuple[str, int]:
    """Run argv with a pseudo-terminal as stdin, stdout and stderr; its output and exit code."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: set the terminal's size, then become the command
        import fcntl
        import termios

        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        os.execv(argv[0], argv)
    chunks = []
    stop = time.time() + deadline
    while time.time() < stop:
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace"), os.waitstatus_to_exitcode(status)


def test_a_cold_run_on_a_terminal_shows_bars_and_no_tensorflow_lines(tiny_series_csv, tmp_path):
    workdir = str(tmp_path / "w")
    output, code = run_in_pty([TFPIPE, "run", "forecasting", "--data", tiny_series_csv,
                               "--workdir", workdir, *sum((["--set", s] for s in TINY), [])])
    assert code == 0, output[-3000:]
    for line in NATIVE_LINES:
        assert line not in output, f"{line!r} reached the terminal:\n{output[-3000:]}"
    with open(os.path.join(workdir, "logs", "last-run.log"), encoding="utf-8") as handle:
        log = handle.read()
    assert "absl::InitializeLog" in log  # TensorFlow did write them: to the log file
    assert "━" in output  # rich's bar
    for step in ("ingest: reading", "transform: fitting on train", "train: epoch"):
        assert re.search(re.escape(step) + r".*━.*\d+/\d+", output), step
    assert "eta" in output
    lines = [line for line in output.replace("\r", "\n").splitlines() if line.strip()]
    assert re.fullmatch(r"review it: tfpipe ui --workdir \S+ --run [0-9a-f]{32}",
                        lines[-1].strip()), lines[-1]


def test_without_a_terminal_progress_collapses_to_plain_lines(tiny_series_csv, tmp_path):
    workdir = str(tmp_path / "w")
    done = subprocess.run([TFPIPE, "run", "forecasting", "--data", tiny_series_csv,
                           "--workdir", workdir, *sum((["--set", s] for s in TINY), [])],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "━" not in done.stderr and "\x1b[" not in done.stderr
    assert "[train] epoch 1/3" in done.stderr
    assert re.search(r"ingest: reading: \d+ records in", done.stderr)
    for line in NATIVE_LINES:
        assert line not in done.stderr
    quiet = subprocess.run([TFPIPE, "run", "forecasting", "--data", tiny_series_csv,
                            "--workdir", workdir, "--quiet",
                            *sum((["--set", s] for s in TINY), [])],
                           capture_output=True, text=True, timeout=900, check=False)
    assert quiet.returncode == 0
    assert [line.split(":")[0] for line in quiet.stderr.splitlines()] == ["forecasting",
                                                                          "review it"]


def test_a_bar_is_plain_when_quiet_or_not_on_a_terminal():
    lines: list[str] = []
    bar = open_bar("t/x", "ingest: reading", 10, "records", quiet=True, log=lines.append)
    assert type(bar) is Bar and not bar.live
    with bar:
        bar.advance(4)
        bar.advance(6)
    assert bar.count == 10 and re.fullmatch(r"ingest: reading: 10 records in \d+\.\ds",
                                            lines[0])
