"""The `tfpipe` command line; heavy libraries load only once a run starts."""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from tfpipe.errors import ComponentFailed, TfpipeError
from tfpipe.registry import load_object, task_infos
from tfpipe.serving_commands import COMMANDS as SERVING_COMMANDS
from tfpipe.task import Command


def build_parser() -> argparse.ArgumentParser:
    """Argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tfpipe", description="TFX-style ML pipelines: ingest, transform, train, "
        "evaluate against baselines, push to a TF Serving model base path; tracked in MLflow.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a task's pipeline", description=(
        "Run TASK end to end. Arguments after `--` go to Apache Beam "
        "(e.g. -- --runner=FlinkRunner)."))
    infos = task_infos()
    run.add_argument("task", metavar="TASK", help="; ".join(
        f"{name}: {info.summary}" for name, info in sorted(infos.items())))
    run.add_argument("--data", help="input file or folder (default: embedded offline data)")
    run.add_argument("--config", help="YAML or JSON file of config keys")
    run.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                     help="override one config key (repeatable)")
    run.add_argument("--workdir", default="./tfpipe-work",
                     help="artifacts, mlflow.db, mlartifacts and serving/ (default ./tfpipe-work)")
    run.add_argument("--json", action="store_true", help="end with one JSON summary line")
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    for command in task_commands().values():
        parser_of = sub.add_parser(command.name, help=command.help,
                                   description=command.description)
        load_object(command.add_arguments)(parser_of)
    return parser


def task_commands() -> dict[str, Command]:
    """The serving sub-commands (models, rollback, promote, predict) and those that task
    packages register (e.g. text generation's `generate`)."""
    return {command.name: command for command in (
        *SERVING_COMMANDS, *(c for info in task_infos().values() for c in info.commands))}



def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    beam_args: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, beam_args = argv[:at], argv[at + 1:]
    args = build_parser().parse_args(argv)
    _quiet_libraries()
    try:
        if args.command == "run":
            return _run(args, beam_args)
        if args.command in task_commands():
            return int(load_object(task_commands()[args.command].run)(args))
    except TfpipeError as error:
        print(f"tfpipe: error: {error}", file=sys.stderr)
        _save_traceback(getattr(args, "workdir", None), error)
        return 1 if isinstance(error, ComponentFailed) else 2
    return 2


def entry() -> None:
    """Console script: run main, flush, and exit without the interpreter's teardown.

    Finalizing TensorFlow's and Beam's objects at interpreter exit takes seconds after the
    work is done and every file is written, so the process ends once its output is flushed.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run(args: argparse.Namespace, beam_args: list[str]) -> int:
    from tfpipe.local_run import run_task

    result = run_task(args.task, args.data, args.config, args.sets, args.workdir, beam_args,
                      quiet=args.quiet)
    pushed = (f"pushed version {result['pushed_version']} to {result['serving_path']}"
              if result["pushed_version"] is not None else "nothing pushed")
    verdict = "blessed" if result["blessed"] else "not blessed"
    print(f"{args.task}: {verdict} ({result['reason']}); {pushed}; "
          f"{result['seconds']['total']:.1f}s; MLflow run {result['run_id']}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, default=str))
    return 0


def _quiet_libraries() -> None:
    """Keep TensorFlow's C++ and absl chatter off the terminal."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    import logging

    for name in ("mlflow", "alembic", "apache_beam", "absl", "tensorflow"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _save_traceback(workdir: str | None, error: BaseException) -> None:
    if not workdir or not isinstance(error, ComponentFailed):
        return
    path = os.path.join(workdir, "logs", "last-error.txt")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            traceback.print_exception(error.error, file=handle)
        print(f"tfpipe: full traceback in {path}", file=sys.stderr)
    except OSError:
        return  # the traceback file is a convenience; the error line was already printed


if __name__ == "__main__":
    entry()
