"""The pipeline object: components wired into a DAG, independent of any runner."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from tfpipe.component import ComponentSpec
from tfpipe.errors import InputError, did_you_mean

if TYPE_CHECKING:  # the runner imports this module
    from tfpipe.runner import RunState


@dataclass(frozen=True)
class OutputRef:
    """A reference to one output of an upstream node."""

    node: str
    output: str


@dataclass(frozen=True)
class Resolved:
    """A parameter resolved when its node is about to run (e.g. the current champion)."""

    resolve: Callable[[RunState], Any]
    description: str = ""


@dataclass
class Node:
    """One component instance: its inputs wired to upstream outputs, and its parameters."""

    component: ComponentSpec
    inputs: dict[str, OutputRef] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or self.component.name
        missing = set(self.component.inputs) - set(self.inputs)
        if missing:
            raise ValueError(f"node {self.name}: inputs not wired: {sorted(missing)}")
        expected = set(self.component.params) | set(self.component.data_params)
        unknown = set(self.params) - expected
        if unknown or expected - set(self.params):
            raise ValueError(f"node {self.name}: params {sorted(self.params)} do not match "
                             f"the signature {sorted(expected)}")

    def out(self, output: str) -> OutputRef:
        """Reference to one of this node's outputs."""
        if output not in self.component.outputs:
            raise KeyError(f"{self.name} has no output {output!r}")
        return OutputRef(self.name, output)


@dataclass
class Pipeline:
    """A named DAG of nodes; the same object is run locally or exported to an orchestrator."""

    name: str
    nodes: list[Node]
    task: str = ""
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def task_module(self) -> Any:
        """The task package whose source enters every cache key (None for ad-hoc pipelines)."""
        if not self.task:
            return None
        import importlib

        from tfpipe.registry import info_module, task_info

        return importlib.import_module(info_module(task_info(self.task)))

    def node(self, name: str) -> Node:
        """The node called `name`; InputError naming the choices for an unknown one."""
        for node in self.nodes:
            if node.name == name:
                return node
        names = [n.name for n in self.ordered()]
        raise InputError(f"pipeline {self.name} has no component {name!r}"
                         f"{did_you_mean(name, names)}; choose one of: {', '.join(names)}")

    def upstream(self, name: str) -> set[str]:
        """Every node whose output `name` needs, directly or through other nodes."""
        by_name = {n.name: n for n in self.nodes}
        found: set[str] = set()
        pending = [ref.node for ref in self.node(name).inputs.values()]
        while pending:
            current = pending.pop()
            if current not in found:
                found.add(current)
                pending += [ref.node for ref in by_name[current].inputs.values()]
        return found

    def edges(self) -> list[tuple[str, str]]:
        """(upstream, downstream) pairs, each once, in dependency order."""
        pairs: list[tuple[str, str]] = []
        for node in self.ordered():
            for ref in node.inputs.values():
                if (ref.node, node.name) not in pairs:
                    pairs.append((ref.node, node.name))
        return pairs

    def ordered(self) -> list[Node]:
        """Nodes in dependency order (stable: declaration order among ready nodes)."""
        by_name = {n.name: n for n in self.nodes}
        if len(by_name) != len(self.nodes):
            raise ValueError(f"pipeline {self.name}: duplicate node names")
        done: list[Node] = []
        placed: set[str] = set()
        pending = list(self.nodes)
        while pending:
            ready = [n for n in pending if all(r.node in placed for r in n.inputs.values())]
            if not ready:
                raise ValueError(f"pipeline {self.name}: cycle or unknown input among "
                                 f"{[n.name for n in pending]}")
            for node in ready:
                done.append(node)
                placed.add(node.name)
                pending.remove(node)
        return done
