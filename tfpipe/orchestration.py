"""What an orchestrator export needs of a pipeline: components, edges, the run command, schedule."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tfpipe.pipeline import Pipeline
from tfpipe.schedule import check_schedule

OPERATORS = ("bash", "docker", "kubernetes")


@dataclass(frozen=True)
class ExportSpec:
    """One pipeline as an orchestrator sees it: one task per component."""

    task: str
    pipeline: str
    components: list[str]                    # in dependency order
    edges: list[tuple[str, str]]             # (upstream, downstream)
    run_args: list[str]                      # after `tfpipe run TASK --component NAME`
    workdir: str                             # the shared artifact store lives under it
    schedule: str | None = None
    retries: int = 2
    retry_delay_seconds: int = 60
    tfpipe: str = "tfpipe"                   # the console script of the env that has tfpipe
    image: str = "tfpipe:latest"             # the docker/ image, for containers
    extra: dict[str, str] = field(default_factory=dict)
    output_types: dict[str, str] = field(default_factory=dict)  # component -> its main output

    def upstream(self, component: str) -> list[str]:
        """The components whose outputs `component` reads directly."""
        return [up for up, down in self.edges if down == component]

    def component_args(self, component: str) -> list[str]:
        """`tfpipe` arguments of one component's task, without the run id."""
        return ["run", self.task, "--component", component, *self.run_args]


def export_spec(pipeline: Pipeline, task: str, run_args: list[str], workdir: str,
                schedule: str | None, **options: Any) -> ExportSpec:
    """The export view of a pipeline object."""
    return ExportSpec(task=task, pipeline=pipeline.name,
                      components=[n.name for n in pipeline.ordered()], edges=pipeline.edges(),
                      output_types={n.name: next(iter(n.component.outputs.values())).TYPE
                                    for n in pipeline.nodes if n.component.outputs},
                      run_args=list(run_args), workdir=workdir,
                      schedule=check_schedule(schedule), **options)


def identifier(name: str) -> str:
    """A Python identifier for a component's variable in a generated file."""
    text = re.sub(r"\W", "_", name)
    return text if text.isidentifier() and not text[0].isdigit() else f"_{text}"
