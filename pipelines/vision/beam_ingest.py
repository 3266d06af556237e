"""Beam PTransforms of the vision ingest: batches of images in, example dicts per split out."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import apache_beam as beam
import numpy as np

from tfpipe.pipelines.vision.features import IMAGE_KEY, IMAGE_SHAPE_KEY, LABEL_KEY
from tfpipe.pipelines.vision.images import BadImage, array_to_hwc, decode_image_bytes, to_uint8
from tfpipe.pipelines.vision.sources import ArrayRef, Manifest
from tfpipe.pipelines.vision.split import EVAL, TRAIN

QUARANTINE = "quarantine"

# One element of the decode step: ("files", [(index, path, label, split), ...]),
# ("ref", start, stop, labels, splits) read from the manifest's ArrayRef on the worker, or
# ("arrays", indices, images, labels, splits) with images an inline (n, H, W[, C]) array.
Batch = tuple[Any, ...]
# One decoded image: (split, label, uint8 pixels (H, W, C)).
Decoded = tuple[str, str, np.ndarray]


def quarantine_record(source: str, reason: str) -> dict[str, str]:
    """The quarantine line of one unusable input (the ingest component's format)."""
    return {"source": source, "reason": reason}


def manifest_batches(manifest: Manifest, splits: Sequence[str], batch_size: int) -> list[Batch]:
    """Cut the manifest into elements of `batch_size` images (Beam pays per element)."""
    if len(splits) != len(manifest):
        raise ValueError(f"{len(splits)} splits for {len(manifest)} images")
    batches: list[Batch] = []
    for start in range(0, len(manifest), batch_size):
        stop = min(start + batch_size, len(manifest))
        labels, parts = manifest.labels[start:stop], list(splits[start:stop])
        if manifest.paths:
            batches.append(("files", [(i, manifest.paths[i], manifest.labels[i], splits[i])
                                      for i in range(start, stop)]))
        elif manifest.array_ref is not None:  # workers re-read the file: small graph
            batches.append(("ref", start, stop, labels, parts))
        elif manifest.arrays is not None:
            batches.append(("arrays", list(range(start, stop)), manifest.arrays[start:stop],
                            labels, parts))
        else:
            raise ValueError(f"manifest of {manifest.origin!r} holds no paths and no arrays")
    return batches


def decode_file_batch(items: Iterable[tuple[int, str, str, str]], size: tuple[int, int],
                      channels: int) -> tuple[list[Decoded], list[dict[str, str]]]:
    """Read and decode files; unusable ones become quarantine records."""
    good: list[Decoded] = []
    bad: list[dict[str, str]] = []
    for _, path, label, split in items:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            good.append((split, label, decode_image_bytes(data, size, channels)))
        except BadImage as error:
            bad.append(quarantine_record(path, str(error)))
        except OSError as error:
            bad.append(quarantine_record(path, f"unreadable: {error.strerror or error}"))
    return good, bad


def decode_array_batch(indices: Iterable[int], images: np.ndarray, labels: Sequence[str],
                       splits: Sequence[str], size: tuple[int, int], channels: int,
                       origin: str) -> tuple[list[Decoded], list[dict[str, str]]]:
    """Convert in-memory images to uint8 (size, channels); bad ones become records."""
    good: list[Decoded] = []
    bad: list[dict[str, str]] = []
    for index, image, label, split in zip(indices, images, labels, splits):
        try:
            good.append((split, label, array_to_hwc(to_uint8(np.asarray(image)), size,
                                                    channels)))
        except (BadImage, ValueError) as error:
            bad.append(quarantine_record(f"{origin}[{index}]", str(error)))
    return good, bad


class DecodeBatch(beam.DoFn):
    """Decode one batch: a list of good images (main) and quarantine records (tagged)."""

    def __init__(self, size: tuple[int, int], channels: int, origin: str,
                 array_ref: ArrayRef | None = None) -> None:
        self._size, self._channels, self._origin = size, channels, origin
        self._array_ref = array_ref
        self._arrays: np.ndarray | None = None

    def setup(self) -> None:
        if self._array_ref is not None:
            self._arrays = self._array_ref.load()

    def process(self, batch: Batch) -> Iterator[Any]:
        if batch[0] == "files":
            good, bad = decode_file_batch(batch[1], self._size, self._channels)
        elif batch[0] == "ref":
            _, start, stop, labels, splits = batch
            assert self._arrays is not None, "a 'ref' batch needs DecodeBatch(array_ref=...)"
            good, bad = decode_array_batch(range(start, stop), self._arrays[start:stop],
                                           labels, splits, self._size, self._channels,
                                           self._origin)
        else:
            _, indices, images, labels, splits = batch
            good, bad = decode_array_batch(indices, images, labels, splits, self._size,
                                           self._channels, self._origin)
        for record in bad:
            yield beam.pvalue.TaggedOutput(QUARANTINE, record)
        if good:
            yield good


@beam.ptransform_fn
def DecodeImages(batches: beam.PCollection, size: tuple[int, int], channels: int,
                 origin: str = "", array_ref: ArrayRef | None = None) -> Any:
    """Batches to lists of decoded images (`images`) and quarantine records (`quarantine`)."""
    return batches | "DecodeBatch" >> beam.ParDo(
        DecodeBatch(size, channels, origin, array_ref)).with_outputs(QUARANTINE,
                                                                     main="images")


def to_example(label: str, pixels: np.ndarray) -> dict[str, Any]:
    """One decoded image as the example dict ingest writes."""
    return {IMAGE_KEY: pixels.reshape(-1), IMAGE_SHAPE_KEY: np.asarray(pixels.shape, np.int64),
            LABEL_KEY: label}


def route_examples(batch: Sequence[Decoded]) -> Iterator[Any]:
    """Unbatch decoded images into example dicts tagged with their split."""
    for split, label, pixels in batch:
        yield beam.pvalue.TaggedOutput(split, to_example(label, pixels))


@beam.ptransform_fn
def ReadImageExamples(root: beam.pvalue.PBegin, manifest: Manifest, splits: Sequence[str],
                      batch_size: int = 256) -> dict[str, beam.PCollection]:
    """Manifest -> {"train", "eval", "quarantine"}: decoded, checked, resized examples."""
    decoded = (root
               | "Batches" >> beam.Create(manifest_batches(manifest, splits, batch_size),
                                          reshuffle=False)
               | "Decode" >> DecodeImages(manifest.image_size, manifest.channels,
                                          manifest.origin, manifest.array_ref))
    routed = decoded["images"] | "Route" >> beam.FlatMap(route_examples).with_outputs(
        TRAIN, EVAL)
    return {TRAIN: routed[TRAIN], EVAL: routed[EVAL], QUARANTINE: decoded[QUARANTINE]}
