"""Pipeline wiring and component signatures."""
from __future__ import annotations

import pytest

from tfpipe.artifacts import Artifact, Model
from tfpipe.component import DataPath, Input, Output, Parameter, component
from tfpipe.pipeline import Node, OutputRef, Pipeline


@component
def make(data: DataPath, size: Parameter[int], out: Output[Model]):
    """Toy producer."""


@component
def use(model: Input[Model], result: Output[Artifact]):
    """Toy consumer."""


def test_signature_is_read_from_annotations():
    assert make.data_params == ("data",) and make.params == ("size",)
    assert make.outputs == {"out": Model} and use.inputs == {"model": Model}
    assert not make.wants_context


def test_unannotated_parameter_is_rejected():
    def bad(x: int):
        """No role."""

    with pytest.raises(TypeError, match="parameter 'x' needs Input"):
        component(bad)


def test_nodes_check_wiring_and_params():
    first = Node(make, params={"data": "d", "size": 1})
    with pytest.raises(ValueError, match="inputs not wired"):
        Node(use)
    with pytest.raises(ValueError, match="do not match"):
        Node(make, params={"data": "d"})
    with pytest.raises(KeyError):
        first.out("missing")


def test_order_is_topological_and_cycles_fail():
    first = Node(make, params={"data": "d", "size": 1})
    second = Node(use, inputs={"model": first.out("out")})
    assert [n.name for n in Pipeline("p", [second, first]).ordered()] == ["make", "use"]
    orphan = Node(use, inputs={"model": OutputRef("nowhere", "out")})
    with pytest.raises(ValueError, match="cycle or unknown input"):
        Pipeline("p", [orphan]).ordered()
