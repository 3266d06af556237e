"""What a running component may use besides its typed inputs: Beam options, scratch, progress."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any


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

    def beam_options(self) -> Any:
        """Beam PipelineOptions from the pass-through args; DirectRunner unless told otherwise."""
        from apache_beam.options.pipeline_options import PipelineOptions

        args = list(self.beam_args)
        if not any(a.startswith("--runner") for a in args):
            args += ["--runner=DirectRunner"]
        if not any(a.startswith("--temp_location") for a in args):
            args += [f"--temp_location={self.scratch_dir('beam-temp')}"]
        return PipelineOptions(args)

    def beam_pipeline(self) -> Any:
        """A Beam pipeline to use as a context manager; runs on exit."""
        import apache_beam as beam

        return beam.Pipeline(options=self.beam_options())

    def scratch_dir(self, name: str) -> str:
        """A scratch folder that is discarded with the component's staging folder."""
        path = os.path.join(self.scratch, name)
        os.makedirs(path, exist_ok=True)
        return path
