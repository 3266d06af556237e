"""`tfpipe models`: every pushed model and version, as a table or JSON."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from tfpipe import config as cfg
from tfpipe.errors import InputError


def add_serving_arguments(parser: argparse.ArgumentParser) -> None:
    """--workdir and --serving-dir, shared by the serving commands."""
    parser.add_argument("--workdir", default="./tfpipe-work",
                        help="the runs' workdir (default ./tfpipe-work)")
    parser.add_argument("--serving-dir", help="TF Serving model base path root "
                        "(default <workdir>/serving)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `tfpipe models`."""
    add_serving_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def serving_dir(args: argparse.Namespace) -> str:
    """The serving dir the options point at."""
    return cfg.run_paths(args.workdir, {"serving_dir": args.serving_dir}).serving


def format_models(models: list[dict[str, Any]]) -> str:
    """A readable table per model."""
    if not models:
        return "no pushed models"
    lines: list[str] = []
    for model in models:
        lines.append(f"{model['model']}  ({model['base_path']})")
        lines.append(f"  {'version':>7}  {'labels':<14} {'blessed':<8} {'pushed':<21} "
                     f"{'by':<10} {'MLflow run':<33} metrics")
        for row in model["versions"]:
            metrics = " ".join(f"{k}={v:.4g}" for k, v in sorted(row["metrics"].items()))
            blessed = ("forced" if row["forced"] else "yes") if row["blessed"] else "no"
            lines.append(f"  {row['version']:>7}  {','.join(row['labels']) or '-':<14} "
                         f"{blessed:<8} {row['pushed_at'] or '-':<21} "
                         f"{row['pushed_by'] or '-':<10} {row['mlflow_run_id'] or '-':<33} "
                         f"{metrics or '-'}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the models under the serving dir."""
    from tfpipe.components.serving_catalog import describe_serving

    folder = serving_dir(args)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise InputError(f"{folder}: is a file, not a serving folder; check --workdir / "
                         "--serving-dir")
    models = describe_serving(folder)
    print(json.dumps(models, indent=2) if args.json else format_models(models))
    if not models and not os.path.isdir(folder):
        print(f"({folder} does not exist: nothing was pushed there yet; check --workdir / "
              "--serving-dir)", file=sys.stderr)
    return 0
