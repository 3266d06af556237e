"""The vision ingest as one call: list, split, run the Beam pipeline, check, summarise."""
from __future__ import annotations

import json
import os
from typing import Any

from tfpipe.pipelines.errors import InputError
from tfpipe.pipelines.vision.config import VisionConfig
from tfpipe.pipelines.vision.quarantine import (QUARANTINE_FILE, check_quarantine,
                                                read_quarantine, write_quarantine)
from tfpipe.pipelines.vision.sources import Manifest, build_manifest
from tfpipe.pipelines.vision.split import EVAL, TRAIN, assign_splits

SUMMARY_FILE = "ingest.json"


def load_manifest(data: str | None, config: VisionConfig) -> Manifest:
    """The manifest of `data`, or of the embedded default digits when data is empty."""
    if not data:
        from tfpipe.pipelines.vision.default_data import default_manifest

        return default_manifest(config)
    return build_manifest(data, config)


def run_ingest(manifest: Manifest, config: VisionConfig, output_dir: str,
               pipeline_options: Any = None) -> dict[str, Any]:
    """Write train/eval tf.Examples and quarantine records; return the checked summary."""
    import apache_beam as beam

    from tfpipe.pipelines.vision.beam_ingest import IngestImages

    splits = assign_splits(manifest.labels, config.split_index, config.eval_fraction,
                           config.seed)
    with beam.Pipeline(options=pipeline_options) as pipeline:
        _ = pipeline | "IngestImages" >> IngestImages(manifest, splits, output_dir,
                                                      config.batch_size_ingest)
    return finish_ingest(output_dir, manifest, config)


def finish_ingest(output_dir: str, manifest: Manifest, config: VisionConfig) -> dict[str, Any]:
    """Check the quarantine rule and split sizes, then write and return ingest.json."""
    from tfpipe.pipelines.vision.beam_ingest import COUNTS_FILE

    quarantine_path = os.path.join(output_dir, QUARANTINE_FILE)
    records = read_quarantine(quarantine_path) if os.path.exists(quarantine_path) else []
    write_quarantine(quarantine_path, records)  # sorted, stable across runs
    check_quarantine(len(manifest), len(records), config.max_bad_fraction, manifest.origin,
                     records)
    with open(os.path.join(output_dir, COUNTS_FILE), encoding="utf-8") as handle:
        text = handle.read().strip()
    counts = json.loads(text) if text else {TRAIN: 0, EVAL: 0, "per_label": {}}
    for split in (TRAIN, EVAL):
        if not counts.get(split):
            raise InputError(f"{manifest.origin}: no usable image is left in the {split} "
                             f"split ({len(records)} quarantined)")
    summary = {
        "kind": manifest.kind,
        "origin": manifest.origin,
        "image_size": list(manifest.image_size),
        "channels": manifest.channels,
        "class_names": list(manifest.class_names),
        "listed": len(manifest),
        "quarantined": len(records),
        "counts": counts,
    }
    with open(os.path.join(output_dir, SUMMARY_FILE), "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2, sort_keys=True)
    return summary


def read_summary(examples_dir: str) -> dict[str, Any]:
    """The ingest.json of an examples directory."""
    with open(os.path.join(examples_dir, SUMMARY_FILE), encoding="utf-8") as handle:
        return json.load(handle)


def split_pattern(examples_dir: str, split: str) -> str:
    """Glob of one split's TFRecord files."""
    from tfpipe.pipelines.vision.beam_ingest import DATA_PREFIX, DATA_SUFFIX

    return os.path.join(examples_dir, split, f"{DATA_PREFIX}*{DATA_SUFFIX}")
