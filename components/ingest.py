"""Ingest: read the source with Beam, validate, split, write tf.Examples and statistics."""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from typing import Any

from tfpipe.artifacts import Examples, Statistics
from tfpipe.component import DataPath, Output, Parameter, Report, component
from tfpipe.context import RunContext
from tfpipe.errors import InputError
from tfpipe.registry import load_task
from tfpipe.task import Task

SPLITS = ("train", "eval")
# The first quarantined records, beside the full list, for reviewers (MLflow artifacts).
QUARANTINE_SAMPLE = "quarantine_sample.jsonl"
QUARANTINE_SAMPLE_SIZE = 100


@component
def ingest(context: RunContext, task: Parameter[str], data: DataPath,
           params: Parameter[dict], max_bad_fraction: Parameter[float],
           examples: Output[Examples], statistics: Output[Statistics]) -> Report:
    """Source file(s) -> TFRecord splits, quarantine list and per-split statistics."""
    hooks = load_task(task)
    hooks.precheck(data, params)
    context.log(f"reading {data}")
    with context.progress("reading", hooks.expected_examples(data, params), "records") as bar:
        write_splits(context, hooks, data, params, examples, statistics, bar.name)
    return summarize(context, hooks, task, data, max_bad_fraction, examples, statistics)


def write_splits(context: RunContext, hooks: Task, data: str, params: dict[str, Any],
                 examples: Examples, statistics: Statistics, bar: str) -> None:
    """The Beam pipeline: read, count into the bar, write splits, stats and quarantine."""
    import apache_beam as beam

    from tfpipe.beam_progress import count_into
    from tfpipe.components import tfrecords
    from tfpipe.components.statistics import SummaryStats

    with context.beam_pipeline() as root:
        outputs = hooks.read_examples(root, data, params)
        for split in SPLITS:
            pcoll = outputs[split] | f"Count{split}" >> count_into(bar)
            _ = (pcoll
                 | f"Encode{split}" >> beam.Map(tfrecords.to_example)
                 | f"Write{split}" >> beam.io.WriteToTFRecord(
                     tfrecords.split_prefix(examples.uri, split),
                     file_name_suffix=tfrecords.SUFFIX))
            _ = (pcoll
                 | f"Stats{split}" >> beam.CombineGlobally(SummaryStats())
                 | f"WriteStats{split}" >> beam.Map(_write_json,
                                                    statistics.path(f"{split}.json")))
        _ = (outputs["quarantine"]
             | "CountQuarantine" >> count_into(bar)
             | "QuarantineJson" >> beam.Map(json.dumps, sort_keys=True)
             | "WriteQuarantine" >> beam.io.WriteToText(
                 examples.path("quarantine"), file_name_suffix=".jsonl",
                 shard_name_template=""))


def summarize(context: RunContext, hooks: Task, task: str, data: str,
              max_bad_fraction: float, examples: Examples, statistics: Statistics) -> Report:
    """Check the quarantine share, write summary.json and the review files; the report."""
    stats = {split: _read_json(statistics.path(f"{split}.json")) for split in SPLITS}
    bad = _read_jsonl(examples.path("quarantine.jsonl"))
    check_quarantine(data, bad, stats, max_bad_fraction, hooks.quarantine_reasons)
    _write_json({"quarantined": len(bad), "splits": stats}, statistics.path("summary.json"))
    files = [f"statistics/{split}.json" for split in SPLITS] + ["statistics/summary.json"]
    files += review_files(task, bad, examples.uri)
    counts = {f"{split}_examples": stats[split]["count"] for split in SPLITS}
    reasons = dict(sorted(Counter(str(b.get("reason")) for b in bad).items()))
    by_reason = f" ({', '.join(f'{r}: {n}' for r, n in reasons.items())})" if reasons else ""
    context.log(", ".join(f"{k}={v}" for k, v in counts.items())
                + f", quarantined={len(bad)}{by_reason}")
    return Report(metrics={**counts, "quarantined": len(bad)},
                  summary={"counts": counts, "quarantined": len(bad),
                           "quarantined_by_reason": reasons,
                           "quarantine_file": "examples/quarantine.jsonl"},
                  files=files)


def review_files(task: str, bad: list[dict[str, Any]], directory: str) -> list[str]:
    """Copy the schema the data was checked against and a quarantine sample into examples/."""
    from tfpipe.schemas import schema_path

    names = []
    schema = schema_path(task)
    if os.path.exists(schema):
        shutil.copyfile(schema, os.path.join(directory, "schema.pbtxt"))
        names.append("examples/schema.pbtxt")
    if bad:
        with open(os.path.join(directory, QUARANTINE_SAMPLE), "w", encoding="utf-8") as handle:
            for record in bad[:QUARANTINE_SAMPLE_SIZE]:
                handle.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        names.append(f"examples/{QUARANTINE_SAMPLE}")
    return names


def check_quarantine(data: str, bad: list[dict[str, Any]], stats: dict[str, dict],
                     max_bad_fraction: float, explanations: dict[str, str] | None = None
                     ) -> None:
    """Fail with the first bad record when too much is bad or a split is empty."""
    good = sum(s["count"] for s in stats.values())
    total = good + len(bad)
    if bad and (len(bad) / max(total, 1) > max_bad_fraction or good == 0):
        bad = sorted(bad, key=lambda r: (r.get("row") is None, r.get("row") or 0))
        first = bad[0]
        detail = f" ({first['detail']})" if first.get("detail") else ""
        more = f"; and {len(bad) - 1} more problems" if len(bad) > 1 else ""
        share = (f": {len(bad)} of {total} records are bad, above max_bad_fraction "
                 f"{max_bad_fraction:g}" if good else "")
        raise InputError(f"{first['source']}: {first['reason']}{detail}{more}{share}")
    for split, summary in stats.items():
        if summary["count"] == 0:
            raise InputError(empty_split_message(data, split, bad, explanations or {}))


def empty_split_message(data: str, split: str, bad: list[dict[str, Any]],
                        explanations: dict[str, str]) -> str:
    """Why a split has no example: its rows were quarantined (by reason), or too few rows."""
    if not bad:
        return (f"{data}: no {split} examples could be made; the data is too short for the "
                "configured split and window")
    reasons = Counter(str(b.get("reason")) for b in bad).most_common()
    listed = "; ".join(f"{count} {reason}" + (f" ({explanations[reason]})"
                                              if reason in explanations else "")
                       for reason, count in reasons)
    first = min(bad, key=lambda r: (r.get("row") is None, r.get("row") or 0))
    return (f"{data}: no {split} examples could be made: {len(bad)} rows were quarantined "
            f"({listed}); the first: {first.get('source')}")


def _write_json(value: Any, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2, sort_keys=True)


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _read_jsonl(path: str) -> list[dict[str, Any]]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
