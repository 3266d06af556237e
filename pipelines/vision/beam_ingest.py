"""Beam PTransforms of the vision ingest: batches of images in, tf.Examples per split out."""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Iterator, Sequence

import apache_beam as beam
import numpy as np

from tfpipe.pipelines.vision.features import serialize_example
from tfpipe.pipelines.vision.images import BadImage, array_to_hwc, decode_image_bytes, to_uint8
from tfpipe.pipelines.vision.quarantine import QUARANTINE_FILE, Quarantined
from tfpipe.pipelines.vision.sources import ArrayRef, Manifest
from tfpipe.pipelines.vision.split import EVAL, TRAIN

QUARANTINE_TAG = "quarantine"
COUNTS_FILE = "counts.json"
DATA_PREFIX = "data"
DATA_SUFFIX = ".tfrecord.gz"

# One element of the decode step: ("files", [(index, path, label, split), ...]),
# ("ref", start, stop, labels, splits) read from the manifest's ArrayRef on the worker, or
# ("arrays", indices, images, labels, splits) with images an inline (n, H, W[, C]) array.
Batch = tuple[Any, ...]
# One decoded image: (split, label, uint8 pixels (H, W, C)).
Decoded = tuple[str, str, np.ndarray]


def manifest_batches(manifest: Manifest, splits: Sequence[str], batch_size: int) -> list[Batch]:
    """Cut the manifest into elements of `batch_size` images (Beam pays per element)."""
    batches: list[Batch] = []
    for start in range(0, len(manifest), batch_size):
        stop = min(start + batch_size, len(manifest))
        labels, parts = manifest.labels[start:stop], list(splits[start:stop])
        if manifest.paths:
            batches.append(("files", [(i, manifest.paths[i], manifest.labels[i], splits[i])
                                      for i in range(start, stop)]))
        elif manifest.array_ref is not None:  # workers re-read the file: small graph
            batches.append(("ref", start, stop, labels, parts))
        else:
            batches.append(("arrays", list(range(start, stop)), manifest.arrays[start:stop],
                            labels, parts))
    return batches


def decode_file_batch(items: Iterable[tuple[int, str, str, str]], size: tuple[int, int],
                      channels: int) -> tuple[list[Decoded], list[Quarantined]]:
    """Read and decode files; unusable ones become quarantine records."""
    good: list[Decoded] = []
    bad: list[Quarantined] = []
    for _, path, label, split in items:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            good.append((split, label, decode_image_bytes(data, size, channels)))
        except BadImage as error:
            bad.append(Quarantined(path=path, reason=str(error), label=label))
        except OSError as error:
            bad.append(Quarantined(path=path, reason=f"unreadable: {error.strerror or error}",
                                   label=label))
    return good, bad


def decode_array_batch(indices: Sequence[int], images: np.ndarray, labels: Sequence[str],
                       splits: Sequence[str], size: tuple[int, int], channels: int,
                       origin: str) -> tuple[list[Decoded], list[Quarantined]]:
    """Convert in-memory images to uint8 (size, channels); bad ones become records."""
    good: list[Decoded] = []
    bad: list[Quarantined] = []
    for index, image, label, split in zip(indices, images, labels, splits):
        try:
            good.append((split, label, array_to_hwc(to_uint8(np.asarray(image)), size,
                                                    channels)))
        except (BadImage, ValueError) as error:
            bad.append(Quarantined(path=f"{origin}[{index}]", reason=str(error), label=label))
    return good, bad


class _DecodeBatch(beam.DoFn):
    """Decode one batch; good images go to the main output as one list."""

    def __init__(self, size: tuple[int, int], channels: int, origin: str,
                 array_ref: ArrayRef | None = None) -> None:
        self._size, self._channels, self._origin = size, channels, origin
        self._array_ref = array_ref
        self._arrays: np.ndarray | None = None
        self._ok = beam.metrics.Metrics.counter("vision_ingest", "images_ok")
        self._bad = beam.metrics.Metrics.counter("vision_ingest", "images_quarantined")

    def setup(self) -> None:
        if self._array_ref is not None:
            self._arrays = self._array_ref.load()

    def process(self, batch: Batch) -> Iterator[Any]:
        if batch[0] == "files":
            good, bad = decode_file_batch(batch[1], self._size, self._channels)
        elif batch[0] == "ref":
            _, start, stop, labels, splits = batch
            good, bad = decode_array_batch(range(start, stop), self._arrays[start:stop],
                                           labels, splits, self._size, self._channels,
                                           self._origin)
        else:
            good, bad = decode_array_batch(*batch[1:], self._size, self._channels,
                                           self._origin)
        self._ok.inc(len(good))
        self._bad.inc(len(bad))
        for record in bad:
            yield beam.pvalue.TaggedOutput(QUARANTINE_TAG, record)
        if good:
            yield good


@beam.ptransform_fn
def DecodeImages(batches: beam.PCollection, size: tuple[int, int], channels: int,
                 origin: str = "", array_ref: ArrayRef | None = None) -> Any:
    """Batches to lists of decoded images (main) and Quarantined records (`quarantine`)."""
    return batches | "DecodeBatch" >> beam.ParDo(
        _DecodeBatch(size, channels, origin, array_ref)).with_outputs(QUARANTINE_TAG,
                                                                       main="images")


def serialize_batch(batch: Sequence[Decoded]) -> list[tuple[str, bytes]]:
    """Decoded images to (split, serialized tf.Example)."""
    return [(split, serialize_example(pixels, label)) for split, label, pixels in batch]


@beam.ptransform_fn
def WriteSplit(examples: beam.PCollection, split: str, output_dir: str) -> Any:
    """Write one split's serialized examples under `<output_dir>/<split>/`."""
    prefix = os.path.join(output_dir, split, DATA_PREFIX)
    return (examples
            | "Select" >> beam.FlatMap(lambda batch, s: [b for sp, b in batch if sp == s],
                                       split)
            | "Write" >> beam.io.WriteToTFRecord(prefix, file_name_suffix=DATA_SUFFIX))


def count_batch(batch: Sequence[Decoded]) -> list[tuple[str, int]]:
    """(split, 1)-style counts of one batch, pre-summed."""
    counts: dict[str, int] = {}
    for split, _, _ in batch:
        counts[split] = counts.get(split, 0) + 1
    return list(counts.items())


def _label_counts(batch: Sequence[Decoded]) -> list[tuple[str, int]]:
    """((split, label), n) counts of one batch, keyed as 'split/label'."""
    counts: dict[str, int] = {}
    for split, label, _ in batch:
        key = f"{split}/{label}"
        counts[key] = counts.get(key, 0) + 1
    return list(counts.items())


@beam.ptransform_fn
def WriteCounts(images: beam.PCollection, output_dir: str) -> Any:
    """Write {"train": n, "eval": n, "per_label": {...}} to counts.json."""
    per_split = images | "PerSplit" >> beam.FlatMap(count_batch) | "SumSplit" >> (
        beam.CombinePerKey(sum))
    per_label = images | "PerLabel" >> beam.FlatMap(_label_counts) | "SumLabel" >> (
        beam.CombinePerKey(sum))
    merged = ((per_split | "TagSplit" >> beam.Map(lambda kv: ("split", kv)),
               per_label | "TagLabel" >> beam.Map(lambda kv: ("label", kv)))
              | "Flatten" >> beam.Flatten()
              | "All" >> beam.combiners.ToList()
              | "Json" >> beam.Map(_counts_json))
    return merged | "Write" >> beam.io.WriteToText(
        os.path.join(output_dir, COUNTS_FILE), shard_name_template="", num_shards=1)


def _counts_json(tagged: list[tuple[str, tuple[str, int]]]) -> str:
    """Tagged counts to the counts.json text."""
    counts: dict[str, Any] = {TRAIN: 0, EVAL: 0, "per_label": {}}
    for tag, (key, value) in tagged:
        if tag == "split":
            counts[key] = value
        else:
            counts["per_label"][key] = value
    counts["per_label"] = dict(sorted(counts["per_label"].items()))
    return json.dumps(counts, sort_keys=True)


@beam.ptransform_fn
def WriteQuarantine(records: beam.PCollection, output_dir: str) -> Any:
    """Write quarantine records as JSON lines (one file; may be empty)."""
    return (records
            | "Json" >> beam.Map(lambda q: json.dumps(
                {"path": q.path, "reason": q.reason, "label": q.label}, sort_keys=True))
            | "Write" >> beam.io.WriteToText(os.path.join(output_dir, QUARANTINE_FILE),
                                             shard_name_template="", num_shards=1))


@beam.ptransform_fn
def IngestImages(pipeline: beam.Pipeline, manifest: Manifest, splits: Sequence[str],
                 output_dir: str, batch_size: int = 256) -> Any:
    """The whole ingest: manifest -> decode/check/resize -> tf.Examples per split."""
    if len(splits) != len(manifest):
        raise ValueError(f"{len(splits)} splits for {len(manifest)} images")
    batches = pipeline | "Batches" >> beam.Create(
        manifest_batches(manifest, splits, batch_size), reshuffle=False)
    decoded = batches | "Decode" >> DecodeImages(manifest.image_size, manifest.channels,
                                                 manifest.origin, manifest.array_ref)
    images = decoded["images"]
    examples = images | "Serialize" >> beam.Map(serialize_batch)
    for split in (TRAIN, EVAL):
        _ = examples | f"Write{split.title()}" >> WriteSplit(split, output_dir)
    _ = images | "Counts" >> WriteCounts(output_dir)
    _ = decoded[QUARANTINE_TAG] | "Quarantine" >> WriteQuarantine(output_dir)
    return decoded
