"""What a running component may use besides its typed inputs: Beam options, scratch, progress."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from tfpipe.beam_args import is_local_direct, option_values


@dataclass
class RunContext:
    """Per-component runtime context; never part of the cache key."""

    workdir: str
    pipeline: str
    component: str
    beam_args: list[str] = field(default_factory=list)
    scratch: str = ""
    quiet: bool = False

    def log(self, message: str) -> None:
        """Progress line on stderr."""
        if not self.quiet:
            print(f"  [{self.component}] {message}", file=sys.stderr, flush=True)

    def progress(self, description: str, total: int | None = None,
                 unit: str = "examples") -> Any:
        """A progress bar (tfpipe.progress.Bar) for one long step; use it as a context manager."""
        from tfpipe.progress import open_bar

        name = f"{self.pipeline}/{self.component}/{description}"
        return open_bar(name, f"{self.component}: {description}", total, unit, self.quiet,
                        self.log)

    def beam_options(self) -> Any:
        """Beam PipelineOptions from the pass-through args; DirectRunner unless told otherwise."""
        from apache_beam.options.pipeline_options import PipelineOptions

        args = list(self.beam_args)
        if "runner" not in option_values(args):
            args += ["--runner=DirectRunner"]
        if not any(a.startswith("--temp_location") for a in args):
            args += [f"--temp_location={self.scratch_dir('beam-temp')}"]
        return PipelineOptions(args)

    def beam_pipeline(self) -> Any:
        """A Beam pipeline to use as a context manager; runs on exit."""
        from tfpipe.beam_job import ReportingPipeline
        from tfpipe.beam_memo import memoize_beam_lookups

        memoize_beam_lookups()
        options = self.beam_options()
        runner = direct_batch_runner(options) if is_local_direct(self.beam_args) else None
        where = runner_description(self.beam_args)
        self.log(f"Beam runner: {where}")
        return ReportingPipeline(self.component, where, runner=runner, options=options)

    def scratch_dir(self, name: str) -> str:
        """A scratch folder that is discarded with the component's staging folder."""
        path = os.path.join(self.scratch, name)
        os.makedirs(path, exist_ok=True)
        return path


# Options worth naming beside the runner: where its jobs go and how they run.
WHERE_OPTIONS = ("job_endpoint", "flink_master", "spark_master_url", "environment_type",
                 "direct_running_mode", "direct_num_workers", "project", "region")


def runner_description(args: list[str]) -> str:
    """The runner the pass-through args choose, with where it sends the job, in one line."""
    if is_local_direct(args):
        return "DirectRunner's batch engine in this process (nothing downloaded)"
    values = option_values(args)
    where = [f"--{name}={values[name]}" for name in WHERE_OPTIONS if values.get(name)]
    return " ".join([values.get("runner") or "?", *where])


def direct_batch_runner(options: Any) -> Any:
    """The engine Beam's DirectRunner picks for batch pipelines, set up the same way."""
    # DirectRunner first tries Prism, downloading its binary from GitHub on every run (there
    # is no internet here; benchmarks/RESULTS.md has the cost), then falls back to this; a
    # run with no --runner or --runner=DirectRunner gets this engine directly.
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle

    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    return fn_runner.FnApiRunner(provision_info=fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))
