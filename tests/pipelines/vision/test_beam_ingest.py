"""The Beam ingest: batching, decoding, quarantine and split routing."""
from __future__ import annotations

import apache_beam as beam
import numpy as np
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tfpipe.pipelines.vision.beam_ingest import (QUARANTINE, ReadImageExamples,
                                                 manifest_batches)
from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.settings import parse
from tfpipe.pipelines.vision.features import IMAGE_KEY, IMAGE_SHAPE_KEY, LABEL_KEY
from tfpipe.pipelines.vision.sources import arrays_manifest, build_manifest
from tfpipe.pipelines.vision.split import EVAL, TRAIN, assign_splits

from .conftest import add_bad_files


def test_batches_cover_every_image_once(idx_folder):
    manifest = build_manifest(idx_folder, parse(VisionSettings, {}))
    splits = assign_splits(manifest.labels, 30, 0.2, 0)
    batches = manifest_batches(manifest, splits, batch_size=16)
    assert [(b[0], b[1], b[2]) for b in batches] == [("ref", 0, 16), ("ref", 16, 32),
                                                      ("ref", 32, 40)]
    inline = arrays_manifest(np.zeros((5, 4, 4)), np.array([0, 1, 0, 1, 0]), parse(VisionSettings, {}))
    kinds = [b[0] for b in manifest_batches(inline, [TRAIN] * 5, 2)]
    assert kinds == ["arrays"] * 3


def _summary(example: dict) -> tuple:
    return (example[LABEL_KEY], tuple(example[IMAGE_SHAPE_KEY]), example[IMAGE_KEY].size,
            str(example[IMAGE_KEY].dtype))


def test_folder_with_bad_files_quarantines_them_and_keeps_the_rest(colour_folder):
    bad = add_bad_files(colour_folder)
    config = parse(VisionSettings, {"image_size": 12})
    manifest = build_manifest(colour_folder, config)
    splits = assign_splits(manifest.labels, None, 0.25, 0)
    expected = {split: [] for split in (TRAIN, EVAL)}
    for path, label, split in zip(manifest.paths, manifest.labels, splits):
        if path not in bad:
            expected[split].append((label, (12, 12, 3), 12 * 12 * 3, "uint8"))
    with TestPipeline() as pipeline:
        out = pipeline | ReadImageExamples(manifest, splits, batch_size=4)
        assert_that(out[TRAIN] | "SumTrain" >> beam.Map(_summary), equal_to(expected[TRAIN]),
                    label="train")
        assert_that(out[EVAL] | "SumEval" >> beam.Map(_summary), equal_to(expected[EVAL]),
                    label="eval")
        reasons = out[QUARANTINE] | beam.Map(lambda r: (r["source"], r["reason"].split(":")[0]))
        assert_that(reasons, equal_to([
            (p, {"zz_empty.png": "empty file (0 bytes)", "zz_truncated.png":
                 "truncated or corrupt image", "zz_notes.jpg": "not an image"}[p.split("/")[-1]])
            for p in bad]), label="quarantine")


def test_arrays_are_converted_and_bad_arrays_quarantined():
    x = np.zeros((4, 6, 6), np.float32)
    x[1] = np.nan
    manifest = arrays_manifest(x, np.array([0, 1, 0, 1]), parse(VisionSettings, {"image_size": 3}),
                               origin="mem")
    with TestPipeline() as pipeline:
        out = pipeline | ReadImageExamples(manifest, [TRAIN, TRAIN, EVAL, EVAL], batch_size=3)
        assert_that(out[TRAIN] | "T" >> beam.Map(_summary),
                    equal_to([("0", (3, 3, 1), 9, "uint8")]), label="train")
        assert_that(out[EVAL] | "E" >> beam.Map(lambda e: e[LABEL_KEY]), equal_to(["0", "1"]),
                    label="eval")
        assert_that(out[QUARANTINE], equal_to([
            {"source": "mem[1]", "reason": "pixel values contain NaN or infinity"}]),
            label="quarantine")
