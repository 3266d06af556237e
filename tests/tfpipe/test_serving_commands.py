"""`tfpipe models`, `rollback` and `promote` on a serving dir of fake versions: listings,
one-line refusals, and a rollback that cannot reach MLflow saying what did happen."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tfpipe import cli
from tfpipe.components import serving_labels as sl
from tfpipe.serving import state as st


def push(serving: str, model: str, version: int, blessed: bool | None = True,
         canary: bool = False, mae: float = 1.0) -> None:
    """A version folder as push leaves it (SavedModel file, push record) and its label."""
    folder = os.path.join(serving, model, str(version))
    os.makedirs(os.path.join(folder, "assets.extra"))
    open(os.path.join(folder, "saved_model.pb"), "wb").close()
    if blessed is not None:
        with open(os.path.join(folder, sl.PUSH_MARKER), "w") as handle:
            json.dump({"model_key": f"k{version}", "blessed": blessed, "metrics": {"mae": mae},
                       "pushed_at": "2026-12-02T08:00:00Z", "pushed_by": "ana"}, handle)
    sl.record_push(os.path.join(serving, model), version, canary)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as usage_error:  # argparse refused an argument
        code = int(usage_error.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def workdir(tmp_path) -> str:
    serving = str(tmp_path / "serving")
    push(serving, "forecasting", 1, mae=2.5)
    push(serving, "forecasting", 2, blessed=False)
    push(serving, "forecasting", 3, mae=2.0)
    push(serving, "vision", 1, mae=0.5)
    push(serving, "vision", 2, canary=True, mae=0.4)
    return str(tmp_path)


def test_models_lists_versions_labels_and_metrics(workdir, capsys):
    code, out, _ = run(capsys, "models", "--workdir", workdir, "--json")
    models = {m["model"]: m for m in json.loads(out)}
    assert code == 0 and sorted(models) == ["forecasting", "vision"]
    forecasting = {v["version"]: v for v in models["forecasting"]["versions"]}
    assert forecasting[3]["labels"] == ["stable"] and forecasting[1]["labels"] == []
    assert forecasting[1]["metrics"] == {"mae": 2.5} and forecasting[1]["pushed_by"] == "ana"
    assert not forecasting[2]["blessed"]
    assert models["vision"]["labels"] == {"stable": 1, "canary": 2}
    code, out, _ = run(capsys, "models", "--workdir", workdir)
    assert "canary" in out and "mae=0.4" in out


def test_models_on_an_empty_workdir(tmp_path, capsys):
    code, out, _ = run(capsys, "models", "--workdir", str(tmp_path))
    assert code == 0 and out.strip() == "no pushed models"


def test_models_says_when_the_serving_folder_is_missing_or_a_file(tmp_path, capsys):
    code, out, err = run(capsys, "models", "--serving-dir", str(tmp_path / "typo"))
    assert code == 0 and out.strip() == "no pushed models"
    assert f"{tmp_path / 'typo'} does not exist" in err
    (tmp_path / "a_file").write_text("x")
    code, out, err = run(capsys, "models", "--serving-dir", str(tmp_path / "a_file"))
    assert code == 2 and "is a file, not a serving folder" in err and not out


@pytest.mark.parametrize("argv, message", [
    (["rollback", "forecasting", "--to", "7"], "model forecasting has no version 7"),
    (["rollback", "forecasting", "--to", "2"], "version 2 cannot be served: it was not blessed"),
    (["rollback", "../etc"], "argument MODEL: '../etc': use 1-63 letters"),
    (["rollback", "forecasting", "--to", "0"], "argument --to: '0': expected a version number"),
    (["promote", "forecasting", "--version", "-2"], "argument --version: '-2': expected a"),
    (["rollback", "text"], "no pushed model 'text' under"),
    (["promote", "forecasting"], "model forecasting has no canary version; pass --version N"),
])
def test_refusals_are_one_line_and_change_nothing(workdir, capsys, argv, message):
    before = st.load_state(os.path.join(workdir, "serving", "forecasting"))
    code, _, err = run(capsys, *argv, "--workdir", workdir)
    assert code == 2 and message in err and err.count("\n") == 1
    assert st.load_state(os.path.join(workdir, "serving", "forecasting")) == before


def test_rollback_without_a_registry_entry_rolls_serving_back_and_says_mlflow_did_not(
        workdir, capsys):
    code, _, err = run(capsys, "rollback", "forecasting", "--workdir", workdir)
    assert code == 2 and err.count("\n") == 1
    assert "forecasting now serves version 1, but MLflow at sqlite:///" in err
    assert "no MLflow store at" in err and "re-run the command to retry" in err
    assert not os.path.exists(os.path.join(workdir, "mlflow.db"))  # none made by the attempt
    assert sl.served_labels(os.path.join(workdir, "serving", "forecasting")) == {"stable": 1}
    with open(os.path.join(workdir, "serving", "models.config")) as handle:
        assert 'key: "stable"\n      value: 1' in handle.read()


def test_rollback_with_an_unreachable_tracking_server_says_so_at_once(workdir, capsys,
                                                                      services):
    port = services.free_port()
    code, _, err = run(capsys, "rollback", "forecasting", "--workdir", workdir,
                       "--tracking-uri", f"http://127.0.0.1:{port}")
    assert code == 2 and err.count("\n") == 1
    assert f"MLflow tracking server http://127.0.0.1:{port}: cannot connect" in err
    assert sl.served_labels(os.path.join(workdir, "serving", "forecasting")) == {"stable": 1}


@pytest.mark.parametrize("argv, message", [
    (["--rest", "ftp://host"], "argument --rest: 'ftp://host': expected http://HOST:PORT"),
    (["--rest", "localhost:8501"], "argument --rest: 'localhost:8501': expected http://"),
    (["--rest", "http://host:99999"], "argument --rest: 'http://host:99999': Port out of range"),
    (["--grpc", "nohostport"], "argument --grpc: 'nohostport': expected HOST:PORT"),
    (["--grpc", "host:0"], "argument --grpc: 'host:0': expected HOST:PORT"),
])
def test_predict_refuses_a_server_address_it_cannot_use(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["predict", "forecasting", *argv, "--input", '{"window": [1]}'])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_predict_refuses_a_model_name_that_is_not_a_name(capsys):
    with pytest.raises(SystemExit):
        cli.main(["predict", "../x", "--rest", "http://127.0.0.1:1", "--input", "{}"])
    assert "argument MODEL: '../x': use 1-63 letters" in capsys.readouterr().err


def test_predict_against_no_server_says_so_in_one_line_without_native_logging(tmp_path,
                                                                                 services):
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "tfpipe"), "predict", "forecasting",
         "--grpc", f"127.0.0.1:{services.free_port()}", "--input", '{"window": [[1.0, 2.0]]}'],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("tfpipe: error: gRPC GetModelMetadata at 127.0.0.1:")
