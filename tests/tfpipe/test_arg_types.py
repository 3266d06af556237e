"""The CLI's option types: every bad value is one usage line naming the option."""
from __future__ import annotations

import pytest

from tfpipe import cli

PREDICT = ["predict", "forecasting", "--rest", "http://127.0.0.1:1", "--input", "{}"]


@pytest.mark.parametrize("argv, message", [
    (PREDICT + ["--timeout", "-3"], "argument --timeout: '-3': expected a number of seconds"),
    (PREDICT + ["--timeout", "nan"], "argument --timeout: 'nan': expected a number of seconds"),
    (PREDICT + ["--version", "0"], "argument --version: '0': expected a version number"),
    (PREDICT + ["--label", "../x"], "argument --label: '../x': use 1-63 letters"),
    (["ui", "--port", "http"], "argument --port: 'http': expected a port from 1 to 65535"),
    (["runs", "weather"], "argument TASK: unknown task 'weather'"),
    (["bogus"], "argument command: invalid choice: 'bogus'"),
    (["export", "airflow", "forecasting", "-o", "d", "--image", "bad image!"],
     "argument --image: 'bad image!': expected an image reference"),
    (["export", "airflow", "forecasting", "-o", "d", "--image", ""], "argument --image: ''"),
    (["export", "kfp", "forecasting", "-o", "p.yaml", "--store-claim", "Bad_Claim"],
     "argument --store-claim: 'Bad_Claim': expected a volume claim name"),
    (["generate", "--seed-text", "a", "--model-name", "../x"], "argument --model-name: '../x'"),
    (["generate", "--seed-text", "a", "--words", "-1"], "argument --words: '-1': expected a"),
    (["generate", "--seed-text", "a", "--words", "99999999999"], "from 0 to 10000"),
    (["generate", "--seed-text", "a", "--temperature", "nan"], "argument --temperature: 'nan'"),
])
def test_a_bad_option_is_one_line_pointing_at_help(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1, err
    assert message in err and err.rstrip().endswith("--help`)")


@pytest.mark.parametrize("image", ["tfpipe:latest", "tfpipe", "localhost:5000/tfpipe",
                                   "registry.example.com:5000/team/tfpipe:1.2",
                                   "gcr.io/p/tfpipe@sha256:" + "a" * 64])
def test_image_references_users_write_are_taken(image):
    from tfpipe.arg_types import image_reference

    assert image_reference(image) == image
