"""`tfpipe export airflow|kfp TASK`: the pipeline object, resolved as `tfpipe run` would, exported."""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys

from tfpipe.errors import InputError
from tfpipe.local_run import prepare_pipeline
from tfpipe.orchestration import ExportSpec, export_spec
from tfpipe.schedule import check_schedule


def run_args(data: str | None, config_file: str | None, sets: list[str],
             workdir: str) -> list[str]:
    """The arguments every component's `tfpipe run` gets: absolute paths, the same overrides."""
    args = ["--workdir", os.path.abspath(workdir)]
    if data is not None:
        args += ["--data", os.path.abspath(data)]
    if config_file is not None:
        args += ["--config", os.path.abspath(config_file)]
    for item in sets:
        args += ["--set", item]
    return args


def tfpipe_script() -> str:
    """The `tfpipe` console script of the environment running this export."""
    beside = os.path.join(os.path.dirname(sys.executable), "tfpipe")
    return beside if os.path.exists(beside) else (shutil.which("tfpipe") or "tfpipe")


def build_spec(args: argparse.Namespace) -> ExportSpec:
    """Resolve config and data as `tfpipe run` does and describe the DAG to export."""
    # Check the schedule first: building the pipeline may write the embedded default data.
    check_schedule(args.schedule)
    prepared = prepare_pipeline(args.task, args.data, args.config, args.sets, args.workdir)
    schedule = args.schedule if args.schedule is not None else prepared.config.get("schedule")
    return export_spec(prepared.pipeline, args.task,
                       run_args(args.data, args.config, args.sets, args.workdir),
                       prepared.paths.workdir, schedule, retries=args.retries,
                       retry_delay_seconds=args.retry_delay,
                       tfpipe=args.tfpipe or tfpipe_script(), image=args.image,
                       extra={"claim": args.store_claim})


def check_dag_output(output: str) -> None:
    """InputError when `-o` names a file for a folder, or a folder for the DAG file."""
    from tfpipe.export_airflow import names_dag_file

    if os.path.isfile(output) and not names_dag_file(output):
        raise InputError(f"-o {output}: is a file; for airflow, -o names the DAG folder "
                         "to write the DAG file into, or the DAG file itself (NAME.py)")
    if names_dag_file(output) and os.path.isdir(output):
        raise InputError(f"-o {output}: is a folder; name the DAG file (NAME.py) or the "
                         "DAG folder")
    if not os.path.exists(output) and not names_dag_file(output) \
            and os.path.splitext(output.rstrip(os.sep))[1]:
        raise InputError(f"-o {output}: a DAG file must end in .py; give NAME.py, or a "
                         "folder to write the DAG file into")


def blocking_file(path: str) -> str | None:
    """The nearest existing parent of `path` that is a file, not a folder; None if none."""
    parent = os.path.dirname(os.path.abspath(path))
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    return parent if parent and os.path.isfile(parent) else None


# The export options only some targets read: which ones (for the error), and the default.
OPTION_USED_BY = {"operator": "airflow", "tfpipe": "airflow --operator bash",
                  "image": "kfp or airflow --operator docker|kubernetes", "store": "kfp",
                  "store_claim": "airflow --operator kubernetes"}
OPTION_DEFAULTS = {"operator": "bash", "image": "tfpipe:latest", "store": "pvc:tfpipe-store",
                   "store_claim": "tfpipe-store"}


def option_used(option: str, target: str, operator: str) -> bool:
    """Whether an export to `target` (with this airflow operator) reads `option`."""
    uses = {"operator": target == "airflow",
            "tfpipe": target == "airflow" and operator == "bash",
            "image": target == "kfp" or operator in ("docker", "kubernetes"),
            "store": target == "kfp",
            "store_claim": target == "airflow" and operator == "kubernetes"}
    return uses[option]


def resolve_target_options(args: argparse.Namespace) -> None:
    """InputError for an option this export would ignore; then the defaults of the others."""
    operator = args.operator or OPTION_DEFAULTS["operator"]
    for option, used_by in OPTION_USED_BY.items():
        if getattr(args, option) is not None and not option_used(option, args.target, operator):
            chosen = f"airflow --operator {operator}" if args.target == "airflow" else "kfp"
            flag = "--" + option.replace("_", "-")
            raise InputError(f"{flag} is read only by `tfpipe export {used_by}`, not by "
                             f"`tfpipe export {chosen}`: drop it, or export to where it is read")
    for option, default in OPTION_DEFAULTS.items():
        if getattr(args, option) is None:
            setattr(args, option, default)


def export_command(args: argparse.Namespace) -> int:
    """Write the DAG file (airflow) or the compiled IR YAML (kfp); print its path."""
    if args.retries < 0 or args.retry_delay < 0:
        raise InputError("--retries and --retry-delay must be 0 or more")
    resolve_target_options(args)
    if args.target == "airflow":
        check_dag_output(args.output)
    if args.target == "kfp" and importlib.util.find_spec("kfp") is None:
        raise InputError("tfpipe export kfp needs the kfp package: pip install -c "
                         "constraints.txt '.[kfp]' (in the tfpipe checkout)")
    spec = build_spec(args)
    try:
        if args.target == "airflow":
            from tfpipe.export_airflow import write_dag

            path = write_dag(spec, args.output, args.operator)
        else:
            from tfpipe.export_kfp import write_pipeline

            path = write_pipeline(spec, args.output, args.store)
    except OSError as error:
        blocker = blocking_file(args.output)
        reason = f"{blocker} is a file, not a folder" if blocker else error.strerror or error
        raise InputError(f"-o {args.output}: cannot write there: {reason}") from None
    print(path)
    return 0
