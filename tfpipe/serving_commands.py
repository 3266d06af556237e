"""The serving sub-commands of `tfpipe`, declared without importing them (the CLI stays fast)."""
from __future__ import annotations

from tfpipe.task import Command

COMMANDS = (
    Command(name="models", help="list pushed models, versions, metrics and labels",
            description="List every model and version under the serving dir with its "
            "blessing metrics, MLflow run, push time and labels (stable, canary).",
            add_arguments="tfpipe.models_command:add_arguments",
            run="tfpipe.models_command:run"),
    Command(name="rollback", help="serve an earlier version of a model",
            description="Make an earlier blessed version the served one (the `stable` label "
            "in models.config), move the MLflow alias `champion` to it and record who, when, "
            "from and to. Without --to: the newest blessed version below the served one.",
            add_arguments="tfpipe.serve_command:add_rollback_arguments",
            run="tfpipe.serve_command:rollback"),
    Command(name="promote", help="serve the canary (or another blessed version) as stable",
            description="Make the `canary` version (or --version N) the served one, "
            "recorded like a rollback.",
            add_arguments="tfpipe.serve_command:add_promote_arguments",
            run="tfpipe.serve_command:promote"),
    Command(name="predict", help="send a predict request to TF Serving (REST or gRPC)",
            description="Send --input to MODEL's serving_default through TF Serving's REST "
            "API or its gRPC PredictionService and print the outputs as JSON.",
            add_arguments="tfpipe.predict_command:add_arguments",
            run="tfpipe.predict_command:run"),
)
