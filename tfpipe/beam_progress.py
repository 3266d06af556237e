"""A pass-through Beam stage that advances a progress bar (tfpipe.progress) by name."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import apache_beam as beam

from tfpipe.progress import advance

FLUSH_EVERY = 64  # elements between bar updates: keeps the per-element cost to an addition


def one(_: Any) -> int:
    """Each element counts one."""
    return 1


class _Count(beam.DoFn):
    """Yield each element unchanged; add its size to the bar named `name`."""

    def __init__(self, name: str, size: Callable[[Any], int]) -> None:
        super().__init__()
        self.name = name
        self.size = size
        self.pending = 0

    def start_bundle(self) -> None:
        self.pending = 0

    def process(self, element: Any) -> Iterator[Any]:
        self.pending += self.size(element)
        if self.pending >= FLUSH_EVERY:
            advance(self.name, self.pending)
            self.pending = 0
        yield element

    def finish_bundle(self) -> None:
        if self.pending:
            advance(self.name, self.pending)
            self.pending = 0


def count_into(name: str, size: Callable[[Any], int] = one) -> beam.PTransform:
    """`pcoll | "Count" >> count_into(bar.name)`: the same PCollection, counted."""
    return beam.ParDo(_Count(name, size))
