"""Beam's look-ups are remembered per input and give what Beam's own would."""
from __future__ import annotations

import functools
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import (PipelineOptions, StandardOptions,
                                                  TypeOptions)
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import core, userstate
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.typehints import decorators

from tfpipe.beam_memo import SignatureMemo, ViewMemo, beam_original, memoize_beam_lookups
from tfpipe.context import direct_batch_runner


class Counting:
    """One of Beam's own look-ups, counting its calls."""

    def __init__(self, name: str) -> None:
        self.original = beam_original(name)
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.original(*args)


class Emits(beam.DoFn):
    def process(self, element: Any, factor: int = 2) -> Any:
        yield element * factor


class KeepsLast(beam.DoFn):
    LAST = ReadModifyWriteStateSpec("last", beam.coders.VarIntCoder())

    def process(self, element: tuple[str, int], last: Any = beam.DoFn.StateParam(LAST)) -> Any:
        previous = last.read() or 0
        last.write(element[1])
        yield element[0], previous + element[1]


def add(x: int, y: int = 1) -> int:
    return x + y


def test_signatures_are_what_beam_gives_for_every_kind_of_callable() -> None:
    memo = SignatureMemo(beam_original("get_signature"))
    for func in (add, lambda x, *rest, k=3: x, Emits().process, Emits.process, str.upper, int,
                 functools.partial(add, y=5), KeepsLast().process, len):
        for _ in range(2):
            assert memo(func) == beam_original("get_signature")(func), func


def test_each_function_is_inspected_once_however_many_bound_methods_ask() -> None:
    counting = Counting("get_signature")
    memo = SignatureMemo(counting)
    for _ in range(5):
        memo(Emits().process)
        memo(add)
    assert counting.calls == 2
    assert list(memo(Emits().process).parameters) == ["element", "factor"]
    assert list(memo(Emits.process).parameters) == ["self", "element", "factor"]
    assert counting.calls == 3


def test_a_function_whose_defaults_change_is_inspected_again() -> None:
    def scaled(x: int, factor: int = 2) -> int:
        return x * factor

    memo = SignatureMemo(beam_original("get_signature"))
    assert memo(scaled).parameters["factor"].default == 2
    scaled.__defaults__ = (7,)
    assert memo(scaled).parameters["factor"].default == 7


def test_views_are_made_once_per_options_and_class_and_share_values() -> None:
    counting = Counting("view_as")
    memo = ViewMemo(counting)
    options = PipelineOptions(["--runner=DirectRunner", "--pipeline_type_check"])
    first = memo(options, StandardOptions)
    assert memo(options, StandardOptions) is first and counting.calls == 1
    assert first.runner == "DirectRunner"
    first.runner = "PortableRunner"
    assert memo(options, TypeOptions).pipeline_type_check is True
    assert options.get_all_options()["runner"] == "PortableRunner"
    assert memo(PipelineOptions(["--runner=DirectRunner"]), StandardOptions).runner \
        == "DirectRunner"
    assert counting.calls == 3


def test_a_view_is_made_again_when_the_flags_change() -> None:
    memo = ViewMemo(beam_original("view_as"))
    options = PipelineOptions(["--runner=DirectRunner"])
    assert memo(options, StandardOptions).runner == "DirectRunner"
    options._flags.append("--runner=PortableRunner")
    options._all_options.pop("runner")
    assert memo(options, StandardOptions).runner == "PortableRunner"


def test_installed_memos_serve_beam_and_a_stateful_dofn_still_keeps_state() -> None:
    memoize_beam_lookups()
    memoize_beam_lookups()
    assert isinstance(core.get_signature, SignatureMemo)
    assert decorators.get_signature is core.get_signature
    options = PipelineOptions([])
    assert options.view_as(TypeOptions) is options.view_as(TypeOptions)
    states, _ = userstate.get_dofn_specs(KeepsLast())
    assert [spec.name for spec in states] == ["last"]
    with beam.Pipeline(runner=direct_batch_runner(options), options=options) as pipeline:
        totals = (pipeline | beam.Create([("a", 1), ("a", 2), ("b", 5)])
                  | beam.ParDo(KeepsLast()) | beam.ParDo(Emits(), factor=1)
                  | beam.Map(lambda pair: pair[1]))
        assert_that(totals, equal_to([1, 3, 5]))
