"""The `tfpipe` command line; heavy libraries load only once a run starts."""
from __future__ import annotations

import contextlib
import argparse
import json
import os
import sys
import threading
import traceback
from typing import Any, NoReturn

from tfpipe.arg_types import claim_name, image_reference, known_task, port_number
from tfpipe.errors import ComponentFailed, InputError, TfpipeError
from tfpipe.interrupts import Terminated, exit_code, raise_on_sigterm, stop_reason
from tfpipe.mlflow_env import apply_mlflow_defaults
from tfpipe.registry import load_object, task_infos
from tfpipe.serving_commands import COMMANDS as SERVING_COMMANDS
from tfpipe.task import Command
from tfpipe.user_caches import point_library_caches

# The libraries whose Python logging tfpipe keeps at WARNING (INFO with --verbose).
LIBRARY_LOGGERS = ("mlflow", "alembic", "apache_beam", "absl", "tensorflow")


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line that points at --help."""

    def error(self, message: str) -> NoReturn:
        """Exit 2 with `PROG: error: MESSAGE (see PROG --help)`."""
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """Argument parser for every sub-command."""
    parser = OneLineErrorParser(
        prog="tfpipe", description="TFX-style ML pipelines: ingest, transform, train, "
        "evaluate against baselines, push to a TF Serving model base path; tracked in MLflow.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a task's pipeline", description=(
        "Run TASK end to end. Arguments after `--` go to Apache Beam "
        "(e.g. -- --runner=FlinkRunner)."))
    infos = task_infos()
    run.add_argument("task", metavar="TASK", help="; ".join(
        f"{name}: {info.summary}" for name, info in sorted(infos.items())))
    add_run_inputs(run)
    run.add_argument("--component", metavar="NAME",
                     help="run only this component (as an orchestrator's task does); its "
                     "upstream outputs must already be in the artifact store")
    run.add_argument("--run-id", metavar="ID",
                     help="an orchestrator's run id: component runs given the same id share "
                     "one MLflow parent run")
    run.add_argument("--json", action="store_true", help="end with one JSON summary line")
    run.add_argument("--summary-file", metavar="PATH",
                     help="also write the JSON summary to PATH (an orchestrator's output)")
    run.add_argument("--quiet", action="store_true", help="no progress bars or lines on stderr")
    run.add_argument("--verbose", action="store_true",
                     help="TensorFlow's and the libraries' own logging, in full, into "
                     "<workdir>/logs/last-run.log")
    run.add_argument("--no-wait", dest="wait", action="store_false",
                     help="fail at once when another run of the pipeline holds the workdir "
                     "(default: wait for it, then reuse its cached results)")
    run.add_argument("--no-tracking", dest="tracking", action="store_false",
                     help="run without MLflow: no tracking store, nothing registered")
    add_export_parser(sub, infos)
    runs = sub.add_parser("runs", help="list pipeline runs, or compare two", description=(
        "List the pipeline runs (one row per `tfpipe run`, newest first) of a workdir's MLflow "
        "store: time, blessed, the headline metric against the best baseline, pushed "
        "version, cached components. With --compare, what changed between two runs."))
    runs.add_argument("task", metavar="TASK", nargs="?", type=known_task,
                      help="only this task's runs")
    runs.add_argument("--workdir", default="./tfpipe-work", help="default ./tfpipe-work")
    runs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    runs.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"),
                      help="two run ids (or unique prefixes): config, data, code, metrics")
    ui = sub.add_parser("ui", help="review runs in MLflow's UI", description=(
        "Start MLflow's server on the workdir's store (one worker, 127.0.0.1 only) and print "
        "the URL of the experiment in MLflow's Model training view; Ctrl-C stops it."))
    ui.add_argument("--workdir", default="./tfpipe-work", help="default ./tfpipe-work")
    ui.add_argument("--port", type=port_number, default=5000, help="default 5000")
    ui.add_argument("--run", metavar="RUN_ID", help="print the URL of this run instead")
    for command in task_commands().values():
        parser_of = sub.add_parser(command.name, help=command.help,
                                   description=command.description)
        load_object(command.add_arguments)(parser_of)
    return parser


def add_run_inputs(parser: argparse.ArgumentParser) -> None:
    """--data, --config, --set and --workdir, as `tfpipe run` and `tfpipe export` take them."""
    parser.add_argument("--data", help="input file or folder (default: embedded offline data)")
    parser.add_argument("--config", help="YAML or JSON file of config keys")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config key (repeatable)")
    parser.add_argument("--workdir", default="./tfpipe-work",
                        help="artifacts, mlflow.db, mlartifacts and serving/ "
                        "(default ./tfpipe-work)")


def add_export_parser(sub: Any, infos: dict[str, Any]) -> None:
    """`tfpipe export airflow|kfp TASK`."""
    export = sub.add_parser("export", help="write a task's pipeline as an Airflow DAG or a "
                            "Kubeflow Pipelines YAML", description=(
                                "Export TASK's pipeline with one orchestrator task per "
                                "component, each running `tfpipe run TASK --component NAME` "
                                "with these --data/--config/--set/--workdir."))
    export.add_argument("target", choices=["airflow", "kfp"])
    export.add_argument("task", metavar="TASK", help=", ".join(sorted(infos)))
    add_run_inputs(export)
    export.add_argument("-o", "--output", required=True, help="airflow: the DAG folder to "
                        "write tfpipe_<pipeline>.py into, or a NAME.py file; kfp: the "
                        "pipeline YAML file")
    export.add_argument("--schedule", help="cron expression or @daily (default: config key "
                        "`schedule`; none: run only when triggered)")
    # Each of these is read only by some targets and operators (export_cli.OPTION_USED_BY);
    # the default is filled in after that check, so a given one can be told from a default.
    export.add_argument("--operator", choices=["bash", "docker", "kubernetes"],
                        help="airflow: run components with a subprocess of this environment's "
                        "tfpipe (bash, default), or in the docker/ image")
    export.add_argument("--tfpipe", help="airflow, bash operator: the tfpipe script to run "
                        "(default: the one beside this Python)")
    export.add_argument("--image", type=image_reference,
                        help="kfp, and airflow's docker and kubernetes operators: the docker/ "
                        "image (default tfpipe:latest)")
    export.add_argument("--store", help="kfp: the shared artifact store, a volume claim "
                        "(pvc:NAME, mounted at --workdir) or a gs:// URI (Vertex AI's Cloud "
                        "Storage mount; default pvc:tfpipe-store)")
    export.add_argument("--store-claim", type=claim_name,
                        help="airflow, kubernetes operator: the volume claim mounted at "
                        "--workdir (default tfpipe-store)")
    export.add_argument("--retries", type=int, default=2, help="retries per task (default 2)")
    export.add_argument("--retry-delay", type=int, default=60, metavar="SECONDS",
                        help="seconds between retries (default 60)")


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
    apply_mlflow_defaults()
    _quiet_libraries()
    try:
        if args.command not in ("export", "run"):  # run: once its workdir exists; export's
            point_library_caches(getattr(args, "workdir", None))  # --workdir: a remote store
        if args.command == "run":
            return _run(args, beam_args)
        if args.command == "export":
            from tfpipe.export_cli import export_command

            return export_command(args)
        if args.command == "runs":
            return _runs(args)
        if args.command == "ui":
            return _ui(args)
        if args.command in task_commands():
            from tfpipe.terminal import native_stderr_discarded

            with native_stderr_discarded():  # TensorFlow's C++ start-up lines (gRPC, generate)
                return int(load_object(task_commands()[args.command].run)(args))
    except TfpipeError as error:
        print(f"tfpipe: error: {error}", file=sys.stderr)
        _save_traceback(getattr(args, "workdir", None), error)
        code = 1 if isinstance(error, ComponentFailed) else 2
        _print_failure_json(args, str(error), code, getattr(error, "component", None))
        return code
    except (KeyboardInterrupt, Terminated) as stop:
        resume = ("; the components that finished stay cached: run the same command again to "
                  "resume") if args.command == "run" else ""
        print(f"tfpipe: {stop_reason(stop)}{resume}", file=sys.stderr)
        _print_failure_json(args, stop_reason(stop) or "stopped", exit_code(stop), None)
        return exit_code(stop)
    return 2


def _print_failure_json(args: argparse.Namespace, error: str, code: int,
                        component: str | None) -> None:
    """With `run --json`, end stdout with one JSON line saying why the run did not complete."""
    if args.command != "run" or not args.json:
        return
    print(json.dumps({"task": args.task, "error": error,
                      "failed_component": component, "exit_code": code}))


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
    from tfpipe.terminal import divert_native_stderr, log_path, writes_to_fd2

    raise_on_sigterm()

    if args.verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
        os.environ["GRPC_VERBOSITY"] = "INFO"
    native = None
    if writes_to_fd2():
        try:
            native = divert_native_stderr(log_path(args.workdir))
        except OSError:
            pass  # an unusable --workdir: the run's own workdir check says why, in one line
    handler = None if native is None else log_libraries_to(native.path, args.verbose)
    try:
        result = _run_task(args, beam_args)
    except TfpipeError as error:
        if native is not None and not isinstance(error, InputError) \
                and not native.discard_if_empty():
            print(f"tfpipe: native library output of this run in {native.path}",
                  file=sys.stderr)
        raise
    finally:
        if handler is not None:
            _stop_logging_to(handler)
        if native is not None:
            native.restore()
            native.discard_if_empty()
    if args.json:
        print(json.dumps(result, default=str))
    return 0


def _run_task(args: argparse.Namespace, beam_args: list[str]) -> dict[str, Any]:
    from tfpipe.files import unwritable_reason
    from tfpipe.local_run import run_task

    reason = unwritable_reason(args.summary_file) if args.summary_file else None
    if reason:  # found before the run, not after its work is done
        raise InputError(f"--summary-file {args.summary_file}: {reason}")
    result = run_task(args.task, args.data, args.config, args.sets, args.workdir, beam_args,
                      quiet=args.quiet, wait=args.wait, tracking=args.tracking,
                      component=args.component, run_id=args.run_id)
    if args.summary_file:
        write_summary(args.summary_file, result)
    if args.component is not None:
        verb = "served from cache" if result["cached"] else f"ran ({result['reason']})"
        pushed = (f"; pushed version {result['pushed_version']}"
                  if result["pushed_version"] is not None else "")
        print(f"{args.task} {args.component}: {verb}{pushed}; {result['seconds']['total']:.1f}s; "
              f"MLflow run {result['run_id']}", file=sys.stderr)
        return result
    pushed = (f"pushed version {result['pushed_version']} to {result['serving_path']}"
              if result["pushed_version"] is not None else "nothing pushed")
    verdict = "blessed" if result["blessed"] else "not blessed"
    tracked = f"MLflow run {result['run_id']}" if result["run_id"] else "not tracked"
    print(f"{args.task}: {verdict} ({result['reason']}); {pushed}; "
          f"{result['seconds']['total']:.1f}s; {tracked}", file=sys.stderr)
    if result["run_id"]:
        print(f"review it: {review_command(args.workdir, result['run_id'])}", file=sys.stderr)
    return result


def review_command(workdir: str, run_id: str) -> str:
    """The command that opens a run in MLflow's UI."""
    import shlex

    return f"tfpipe ui --workdir {shlex.quote(workdir)} --run {run_id}"


def _runs(args: argparse.Namespace) -> int:
    from tfpipe import runs

    client, _ = runs.open_store(args.workdir)
    found = runs.pipeline_runs(client, args.task)
    if args.compare:
        first, second = (runs.find_run(client, found, prefix) for prefix in args.compare)
        diff = runs.compare(first, second)
        print(json.dumps(diff, default=str) if args.json else runs.format_compare(diff))
        return 0
    rows = [runs.describe(run) for run in found]
    print(json.dumps(rows, default=str) if args.json else runs.format_table(rows))
    if not rows and not args.json:
        which = f" of {args.task}" if args.task else ""
        print(f"no pipeline runs{which} in {args.workdir}'s store yet", file=sys.stderr)
    return 0


def _ui(args: argparse.Namespace) -> int:
    from tfpipe import ui

    process, url = ui.start(args.workdir, args.port, args.run, announce=lambda: print(
        f"starting MLflow on {args.workdir} (the first start can take a minute or two)",
        file=sys.stderr))
    print(url, flush=True)
    print("MLflow UI is up; Ctrl-C stops it", file=sys.stderr)
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the user stops it
            process.wait()
    finally:
        ui.stop(process)
    return 0


def log_libraries_to(path: str, verbose: bool) -> Any:
    """The libraries' Python logging into the run's log file, not the terminal: warnings (e.g.
    Beam relaying its multi-processing workers' lines), or with --verbose INFO and up."""
    import logging

    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    # A library thread's uncaught error (Beam's job-state reader when its job service goes
    # away) goes to the log too; the run reports the failure itself in one line.
    threading.excepthook = _log_thread_error
    if verbose:
        root.setLevel(logging.INFO)
        for name in LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO)
    return handler


def _stop_logging_to(handler: Any) -> None:
    """Detach and close a handler log_libraries_to added."""
    import logging

    logging.getLogger().removeHandler(handler)
    handler.close()
    threading.excepthook = threading.__excepthook__


def _log_thread_error(args: Any) -> None:
    """threading.excepthook: the thread's traceback into the run's log, not the terminal."""
    import logging

    logging.getLogger("tfpipe.threads").error(
        "uncaught error in thread %s", getattr(args.thread, "name", "?"),
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def write_summary(path: str, result: dict[str, Any]) -> None:
    """The JSON summary into a file the caller named (e.g. a KFP output artifact)."""
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(result, handle, default=str)
    except OSError as error:
        raise InputError(f"--summary-file {path}: cannot write it: "
                         f"{error.strerror or error}") from None


def _quiet_libraries() -> None:
    """Keep TensorFlow's C++ and absl chatter off the terminal."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    import logging

    for name in LIBRARY_LOGGERS:
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
