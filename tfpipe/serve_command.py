"""`tfpipe rollback` and `tfpipe promote`: change which version is served, everywhere."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from tfpipe import config as cfg
from tfpipe.arg_types import safe_name, version_number
from tfpipe.errors import InputError, TfpipeError
from tfpipe.models_command import add_serving_arguments


class RegistryNotUpdated(TfpipeError):
    """Serving changed but MLflow could not be updated to match."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", type=safe_name,
                        help="model name (see `tfpipe models`)")
    add_serving_arguments(parser)
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default "
                        "$MLFLOW_TRACKING_URI, else sqlite:///<workdir>/mlflow.db)")
    parser.add_argument("--reason", default="", help="why, recorded with the change")


def add_rollback_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `tfpipe rollback`."""
    _common(parser)
    parser.add_argument("--to", type=version_number, metavar="VERSION",
                        help="version to serve (default: newest blessed one below the served)")


def add_promote_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `tfpipe promote`."""
    _common(parser)
    parser.add_argument("--version", type=version_number,
                        help="version to serve (default: the canary)")


def change_served(serving_dir: str, tracking_uri: str, model: str, version: int | None,
                  action: str, reason: str = "") -> dict[str, Any]:
    """Serve `version` (rollback: default the previous blessed one; promote: the canary),
    regenerate models.config, then move MLflow's aliases and record the change there."""
    from tfpipe.components import serving_labels as sl
    from tfpipe.components.serving_catalog import model_base
    from tfpipe.components.serving_config import write_models_config

    base = model_base(serving_dir, model)
    if version is None:
        if action == "rollback":
            version = sl.rollback_target(base)
        else:
            version = sl.served_labels(base).get("canary")
            if version is None:
                raise InputError(f"model {model} has no canary version; pass --version N")
    entry = sl.serve_version(base, version, action, **({"reason": reason} if reason else {}))
    write_models_config(serving_dir)
    labels = sl.served_labels(base)
    from tfpipe.tracking_check import check_store, masked

    try:
        from tfpipe.serving.mlflow_registry import record_serving_change

        check_store(tracking_uri, hint="the served version changed all the same")  # in seconds
        entry["aliases"] = record_serving_change(tracking_uri, model, entry, labels)
    except Exception as error:  # noqa: BLE001 - serving already changed; say so and how to retry
        raise RegistryNotUpdated(
            f"{model} now serves version {version}, but MLflow at {masked(tracking_uri)} was not "
            f"updated ({error}); re-run the command to retry") from error
    return entry


def _run(args: argparse.Namespace, action: str, version: int | None) -> int:
    paths = cfg.run_paths(args.workdir, {"serving_dir": args.serving_dir,
                                         "mlflow_tracking_uri": args.tracking_uri})
    entry = change_served(paths.serving, paths.tracking_uri, args.model, version, action,
                          args.reason)
    champion = entry.get("aliases", {}).get("champion")
    print(f"{args.model}: serving version {entry['to']} (was {entry['from']}); "
          f"MLflow alias champion -> registered version {champion}; "
          f"recorded as {action} by {entry['by']} at {entry['at']}", file=sys.stderr)
    return 0


def rollback(args: argparse.Namespace) -> int:
    """Serve an earlier blessed version."""
    return _run(args, "rollback", args.to)


def promote(args: argparse.Namespace) -> int:
    """Serve the canary (or --version) as stable."""
    return _run(args, "promote", args.version)
