"""Every command runs MLflow offline: telemetry off (it wrote ~/.config/mlflow), a user's
own setting kept."""
from __future__ import annotations

import os
import subprocess
import sys

from tfpipe.mlflow_env import MLFLOW_ENV_DEFAULTS, apply_mlflow_defaults

TFPIPE = os.path.join(os.path.dirname(sys.executable), "tfpipe")


def test_defaults_fill_only_what_the_user_left_unset(monkeypatch):
    for name in MLFLOW_ENV_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "9")
    chosen = apply_mlflow_defaults()
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in chosen
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "9"
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"


def test_reading_a_store_writes_nothing_in_the_home_folder(tmp_path):
    from mlflow.tracking import MlflowClient

    workdir, home = tmp_path / "w", tmp_path / "home"
    home.mkdir()
    workdir.mkdir()
    MlflowClient(tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}").search_experiments()
    # A user's shell: MLflow turns telemetry off by itself under pytest or CI (their variables).
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "TMPDIR": str(tmp_path),
           "LANG": "C.UTF-8"}
    for command in (["runs"], ["models"]):
        done = subprocess.run([TFPIPE, *command, "--workdir", str(workdir)], capture_output=True,
                              text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(os.listdir(home)) == []
