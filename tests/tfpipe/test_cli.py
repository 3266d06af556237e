"""CLI: fast start-up, and one clear stderr line with a non-zero exit for bad input."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from tfpipe import cli

FAST = ["--quiet", "--set", "model=dense", "--set", "epochs=1", "--set", "window_size=4"]


def tfpipe_binary() -> str:
    return os.path.join(os.path.dirname(sys.executable), "tfpipe")


def test_help_is_fast_and_imports_nothing_heavy(modules_loaded_after):
    code = "from tfpipe import cli; cli.build_parser().format_help()"
    heavy = ("tensorflow", "apache_beam", "mlflow", "tensorflow_transform")
    assert modules_loaded_after(code, heavy) == []
    started = time.perf_counter()
    subprocess.run([tfpipe_binary(), "--help"], capture_output=True, check=True)
    assert time.perf_counter() - started < 5  # generous: a loaded CI box; goal is < 1 s


def run_cli(capsys, args: list[str]) -> tuple[int, str]:
    code = cli.main(args)
    return code, capsys.readouterr().err.strip()


def rows_from(start: int) -> str:
    """Twenty more valid rows, so that a bad row, not the length, is what a file gets wrong."""
    return "".join(f"{t},{t}\n" for t in range(start, start + 20))


BAD_FILES = {
    "empty": ("", "empty file"),
    "missing_column": ("time,amount\n0,1\n", "column 'value' (value_column) not found"),
    "non_numeric": ("time,value\n0,1\n1,2\n2,abc\n" + rows_from(3),
                    "row 4: column 'value': not a number: 'abc'"),
    "nan": ("time,value\n0,1\n1,nan\n" + rows_from(2), "row 3: column 'value': NaN value"),
    "infinite": ("time,value\n0,1\n1,inf\n" + rows_from(2),
                 "row 3: column 'value': infinite value"),
    "duplicate": ("time,value\n0,1\n1,2\n1,3\n" + rows_from(2),
                  "row 4: duplicate timestamp '1' (also on row 3)"),
    "unsorted": ("time,value\n0,1\n2,2\n1,3\n" + rows_from(3),
                 "row 4: timestamp '1' is earlier than '2'"),
    "too_short": ("time,value\n0,1\n1,2\n2,3\n", "too short"),
    "header_only": ("time,value\n", "too short: 0 data row(s) after the header"),
    "one_row": ("time,value\n0,1\n", "too short: 1 data row(s) after the header"),
    # Bytes that are not UTF-8 (a Latin-1 export): named by row and column, or in the header,
    # also past the first block the header check reads.
    "latin1_value": (b"time,value\n0,1\n1,5\xe9\n" + rows_from(2).encode(),
                     "row 3: column 'value': not UTF-8 text (byte 0xe9); save the file as UTF-8"),
    "latin1_time": (b"time,value\n0,1\n\xe91,5\n" + rows_from(2).encode(),
                    "row 3: column 'time': not UTF-8 text (byte 0xe9)"),
    "latin1_late": (("time,value\n" + "".join(f"{t},{t}\n" for t in range(3000))).encode()
                    + b"3000,1\xff\n" + rows_from(3001).encode(),
                    "row 3002: column 'value': not UTF-8 text (byte 0xff)"),
    "latin1_header": (b"time,value,caf\xe9\n0,1\n" + rows_from(1).encode(),
                      "header row: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_fails_with_one_clear_line_and_pushes_nothing(tmp_path, capsys, case):
    text, expected = BAD_FILES[case]
    path = tmp_path / f"{case}.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    workdir = tmp_path / "w"
    code, err = run_cli(capsys, ["run", "forecasting", "--data", str(path),
                                 "--workdir", str(workdir), *FAST])
    assert code != 0
    lines = err.splitlines()
    assert lines[0].startswith("tfpipe: error: ") and str(path) in lines[0], err
    assert expected in lines[0], err
    assert not (workdir / "serving").exists()


def test_missing_file_and_unknown_task(tmp_path, capsys):
    code, err = run_cli(capsys, ["run", "forecasting", "--data", str(tmp_path / "nope.csv"),
                                 "--workdir", str(tmp_path / "w"), "--quiet"])
    assert code == 2 and "nope.csv: no such file, folder or matching glob" in err
    (tmp_path / "folder").mkdir()
    code, err = run_cli(capsys, ["run", "forecasting", "--data", str(tmp_path / "folder"),
                                 "--workdir", str(tmp_path / "w"), "--quiet"])
    assert code == 2 and err == (f"tfpipe: error: {tmp_path / 'folder'}: is a folder; pass "
                                 "--data PATH to one CSV file")
    (tmp_path / "a.csv").write_text("time,value\n")
    code, err = run_cli(capsys, ["run", "forecasting", "--data", str(tmp_path / "*.csv"),
                                 "--workdir", str(tmp_path / "w"), "--quiet"])
    assert code == 2 and "*.csv: is a pattern matching 1 file(s); forecasting reads one" in err
    code, err = run_cli(capsys, ["run", "weather", "--workdir", str(tmp_path / "w")])
    assert code == 2 and "unknown task 'weather'; choose one of: forecasting" in err
    code, err = run_cli(capsys, ["run", "forecastng", "--workdir", str(tmp_path / "w")])
    assert code == 2 and "unknown task 'forecastng' (did you mean 'forecasting'?)" in err


def test_bad_config_value_names_the_key(tmp_path, capsys):
    code, err = run_cli(capsys, ["run", "forecasting", "--workdir", str(tmp_path / "w"),
                                 "--set", "model=transformer", "--quiet"])
    assert code == 2 and "model='transformer'" in err


def test_console_script_keeps_output_and_exit_code_with_its_fast_exit(
        tmp_path, tiny_series_csv):
    import json

    from mlflow.tracking import MlflowClient

    workdir = tmp_path / "w"
    done = subprocess.run([tfpipe_binary(), "run", "forecasting", "--data", tiny_series_csv,
                           "--workdir", str(workdir), "--json", *FAST],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    run = MlflowClient(tracking_uri=f"sqlite:///{workdir}/mlflow.db").get_run(summary["run_id"])
    assert run.info.status == "FINISHED"
    failed = subprocess.run([tfpipe_binary(), "run", "weather", "--workdir", str(workdir)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert failed.returncode == 2 and "unknown task 'weather'" in failed.stderr


def test_a_library_threads_uncaught_error_goes_to_the_run_log(tmp_path, capsys):
    import threading

    log = tmp_path / "run.log"
    handler = cli.log_libraries_to(str(log), verbose=False)
    try:
        thread = threading.Thread(target=lambda: 1 / 0, name="job-state-reader")
        thread.start()
        thread.join()
    finally:
        cli._stop_logging_to(handler)
    text = log.read_text()
    assert "uncaught error in thread job-state-reader" in text and "ZeroDivisionError" in text
    assert "ZeroDivisionError" not in capsys.readouterr().err
    assert threading.excepthook is threading.__excepthook__


def test_a_run_that_does_not_complete_still_ends_json_output_with_why(tmp_path, capsys):
    import json

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code = cli.main(["run", "text", "--data", str(empty), "--workdir", str(tmp_path / "w"),
                     "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 2
    line = json.loads(captured.out.strip().splitlines()[-1])
    assert line == {"task": "text", "error": captured.err.strip().removeprefix("tfpipe: error: "),
                    "failed_component": None, "exit_code": 2}
    assert "no valid row" in line["error"]
    code = cli.main(["run", "text", "--data", str(empty), "--workdir", str(tmp_path / "w"),
                     "--quiet"])
    assert code == 2 and capsys.readouterr().out == ""  # without --json, stdout stays empty


def test_data_or_config_that_exists_but_is_no_file_is_named_as_such(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for data in (os.devnull, str(fifo)):
        code, err = run_cli(capsys, ["run", "text", "--data", data,
                                     "--workdir", str(tmp_path / "w"), "--quiet"])
        assert code == 2 and "not a regular file or folder (a device, pipe or socket)" in err
        assert data in err
    code, err = run_cli(capsys, ["run", "text", "--config", str(tmp_path),
                                 "--workdir", str(tmp_path / "w2"), "--quiet"])
    assert code == 2 and f"config file {tmp_path}: is a folder" in err
    assert not (tmp_path / "w2").exists()  # refused before anything is written


def test_a_season_longer_than_the_series_is_named_in_the_advice(tmp_path, capsys):
    path = tmp_path / "series.csv"
    path.write_text("time,value\n" + rows_from(0))
    code, err = run_cli(capsys, ["run", "forecasting", "--data", str(path), "--workdir",
                                 str(tmp_path / "w"), *FAST, "--set", "seasonal_period=1000"])
    assert code == 2 and "seasonal_period=1000); give a longer series or a smaller " \
        "window_size, horizon or seasonal_period" in err
