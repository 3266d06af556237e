"""Beam PTransforms for text ingest: read with quarantine, split, check labels, to dicts."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam

from tfpipe.pipelines.text.features import LABEL_INDEX_KEY, LABEL_KEY, TEXT_KEY
from tfpipe.pipelines.text.readers import Quarantined, Row
from tfpipe.pipelines.text.split import (EVAL, TRAIN, assign_split, check_label,
                                         infer_label_values, label_index)

ROWS = "rows"
EXAMPLES = "examples"
QUARANTINE = "quarantine"
# Above this many files their reads are spread over workers (a runner keeps a Create whole).
SPREAD_ABOVE = 64


class _ReadFile(beam.DoFn):
    """Emit valid rows on the main output and rejects on the quarantine output."""

    def __init__(self, read_fn: Callable[[str], Iterable[Row | Quarantined]]) -> None:
        """Keep the reader of one file."""
        self._read_fn = read_fn

    def process(self, path: str) -> Iterator[Any]:
        """Read one file."""
        for item in self._read_fn(path):
            if isinstance(item, Quarantined):
                yield beam.pvalue.TaggedOutput(QUARANTINE, item)
            else:
                yield item


@beam.ptransform_fn
def ReadRecords(pbegin: Any, files: list[str],
                read_fn: Callable[[str], Iterable[Row | Quarantined]]) -> dict[str, Any]:
    """Files to {'rows': Row, 'quarantine': Quarantined}; a file is read by one worker."""
    paths = pbegin | "ListFiles" >> beam.Create(sorted(files))
    if len(files) > SPREAD_ABOVE:
        paths = paths | "Spread" >> beam.Reshuffle()  # many documents: read on every worker
    results = paths | "ReadFiles" >> beam.ParDo(_ReadFile(read_fn)).with_outputs(QUARANTINE,
                                                                                 main=ROWS)
    return {ROWS: results[ROWS], QUARANTINE: results[QUARANTINE]}


@beam.ptransform_fn
def SplitTrainEval(rows: Any, eval_fraction: float, seed: int) -> tuple[Any, Any]:
    """Seeded split by a hash of the text: (train, eval)."""
    def split(row, _):  # unannotated, so Beam infers no type hints (as for a lambda)
        return 1 if assign_split(row.text, eval_fraction, seed) == EVAL else 0

    # Beam annotates fn as WithTypeHints (a PartitionFn) but wraps a plain callable in one.
    parts = rows | "Partition" >> beam.Partition(split, 2)  # type: ignore[arg-type]
    return parts[0], parts[1]


class DistinctLabels(beam.CombineFn):
    """The distinct labels of rows, ordered like infer_label_values; () when none."""

    def create_accumulator(self) -> set[str]:
        """No labels yet."""
        return set()

    def add_input(self, labels: set[str], row: Row) -> set[str]:
        """Add one row's label (rows of a labelled reader always have one)."""
        if row.label is not None:
            labels.add(row.label)
        return labels

    def merge_accumulators(self, accumulators: Iterable[set[str]]) -> set[str]:
        """Union of label sets."""
        return set().union(*accumulators)

    def extract_output(self, labels: set[str]) -> tuple[str, ...]:
        """The label set in label-index order."""
        return infer_label_values(labels) if labels else ()


@beam.ptransform_fn
def LabelValues(train_rows: Any, configured: tuple[str, ...] | None) -> Any:
    """A singleton PCollection with the label set: configured, or inferred from train."""
    if configured:
        return train_rows.pipeline | "Configured" >> beam.Create([tuple(configured)])
    # One combine instead of Map + Distinct + ToList + Map: each Beam stage has a fixed cost.
    return train_rows | "Distinct" >> beam.CombineGlobally(DistinctLabels())


class _CheckLabel(beam.DoFn):
    """Rows whose label is in the set as example dicts; quarantine the others."""

    def process(self, row: Row, label_values: tuple[str, ...]) -> Iterator[Any]:
        """Check one row."""
        checked = check_label(row, label_values)
        if isinstance(checked, Quarantined):
            yield beam.pvalue.TaggedOutput(QUARANTINE, checked)
        else:
            yield row_to_example(checked, label_values)


@beam.ptransform_fn
def CheckLabels(rows: Any, label_values: Any) -> dict[str, Any]:
    """Rows to {'examples', 'quarantine'} against the singleton label set."""
    results = rows | "Check" >> beam.ParDo(
        _CheckLabel(), beam.pvalue.AsSingleton(label_values)).with_outputs(QUARANTINE,
                                                                           main=EXAMPLES)
    return {EXAMPLES: results[EXAMPLES], QUARANTINE: results[QUARANTINE]}


def row_to_example(row: Row, label_values: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A Row as the raw example dict ingest writes: text, and label name and index."""
    example: dict[str, Any] = {TEXT_KEY: row.text}
    if label_values is not None:
        example[LABEL_KEY] = row.label
        example[LABEL_INDEX_KEY] = label_index(row.label, label_values)
    return example


@beam.ptransform_fn
def IngestText(pbegin: Any, files: list[str],
               read_fn: Callable[[str], Iterable[Row | Quarantined]],
               eval_fraction: float, seed: int, labelled: bool,
               label_values: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Read, split, check labels: {'train', 'eval'} example dicts and 'quarantine' dicts."""
    read = pbegin | "Read" >> ReadRecords(files, read_fn)
    train, eval_ = read[ROWS] | "Split" >> SplitTrainEval(eval_fraction, seed)
    rejects = [read[QUARANTINE]]
    if labelled:
        labels = train | "LabelValues" >> LabelValues(label_values)
        checked_train = train | "CheckTrainLabels" >> CheckLabels(labels)
        checked_eval = eval_ | "CheckEvalLabels" >> CheckLabels(labels)
        examples = {TRAIN: checked_train[EXAMPLES], EVAL: checked_eval[EXAMPLES]}
        rejects += [checked_train[QUARANTINE], checked_eval[QUARANTINE]]
    else:
        examples = {TRAIN: train | "TrainExamples" >> beam.Map(row_to_example),
                    EVAL: eval_ | "EvalExamples" >> beam.Map(row_to_example)}
    return {
        **examples,
        QUARANTINE: (rejects | "AllQuarantine" >> beam.Flatten()
                     | "QuarantineDicts" >> beam.Map(lambda q: q.to_json())),
    }
