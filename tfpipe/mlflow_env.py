"""MLflow's environment for every tfpipe command: offline, and quick to give up on a server.

Set by the CLI before anything imports MLflow, so the commands that read the store in this
process (`runs`, `models`, `rollback`, ...) and every child (the tracking process, the UI's
server) inherit it. A value the user set is kept.
"""
from __future__ import annotations

import os

# MLflow's HTTP retries (by default 7, backing off to minutes in all): the store is checked at
# the start, so a server that goes away fails the command sooner. MLflow's usage telemetry
# (which also writes ~/.config/mlflow) is off unless the user turned it on.
MLFLOW_ENV_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3",
                       "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
                       "MLFLOW_DISABLE_TELEMETRY": "true"}


def apply_mlflow_defaults() -> dict[str, str]:
    """Set the defaults the user has not set in this process's environment; what was set."""
    chosen = {name: value for name, value in MLFLOW_ENV_DEFAULTS.items()
              if name not in os.environ}
    os.environ.update(chosen)
    return chosen
