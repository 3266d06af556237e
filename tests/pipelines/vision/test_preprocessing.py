"""tf.Transform preprocessing: pixel scaling, image shape, and the class-name vocabulary."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from tfpipe.pipelines.vision.features import (IMAGE_KEY, IMAGE_XF, LABEL_KEY, LABEL_VOCAB,
                                              LABEL_XF, raw_feature_spec)
from tfpipe.pipelines.vision.preprocessing import make_preprocessing_fn


def analyze_and_transform(tmp_path, scaling: str) -> tuple[list[dict], object]:
    """Run the preprocessing_fn over six 2x2 grey images with Beam; return rows and output."""
    import apache_beam as beam
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

    spec = raw_feature_spec((2, 2), 1)
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(spec))
    rows = [{IMAGE_KEY: [0, 51, 102, 255], "image_shape": [2, 2, 1],
             LABEL_KEY: label.encode()} for label in ("cat", "dog", "dog", "dog", "cat", "emu")]
    out_dir = str(tmp_path / "transform")
    rows_file = str(tmp_path / "rows.pkl")
    with beam.Pipeline() as pipeline, tft_beam.Context(temp_dir=str(tmp_path / "tmp")):
        (data, _), transform_fn = ((pipeline | beam.Create(rows), metadata)
                                   | tft_beam.AnalyzeAndTransformDataset(
                                       make_preprocessing_fn((2, 2), 1, scaling)))
        _ = transform_fn | tft_beam.WriteTransformFn(out_dir)
        _ = data | beam.combiners.ToList() | beam.Map(_dump, rows_file)
    with open(rows_file, "rb") as handle:
        return pickle.load(handle), tft.TFTransformOutput(out_dir)


def _dump(rows: list[dict], path: str) -> None:
    with open(path, "wb") as handle:
        pickle.dump(rows, handle)


def test_unit_scaling_shape_and_vocabulary(tmp_path):
    rows, output = analyze_and_transform(tmp_path, "unit")
    image = np.asarray(rows[0][IMAGE_XF])
    assert image.shape == (2, 2, 1)
    np.testing.assert_allclose(image.ravel(), [0.0, 0.2, 0.4, 1.0], atol=1e-6)
    vocab = [v.decode() for v in output.vocabulary_by_name(LABEL_VOCAB)]
    assert vocab[0] == "dog" and sorted(vocab) == ["cat", "dog", "emu"]  # most frequent first
    assert sorted(int(r[LABEL_XF]) for r in rows) == sorted(
        vocab.index(n) for n in ("cat", "dog", "dog", "dog", "cat", "emu"))
    spec = output.transformed_feature_spec()
    assert list(spec[IMAGE_XF].shape) == [2, 2, 1]


def test_zscore_scaling_is_full_pass(tmp_path):
    rows, _ = analyze_and_transform(tmp_path, "zscore")
    pixels = np.array([0, 51, 102, 255], np.float64)
    expected = (pixels - pixels.mean()) / pixels.std()
    np.testing.assert_allclose(np.asarray(rows[0][IMAGE_XF]).ravel(), expected, rtol=1e-4)


def test_unknown_scaling_is_refused():
    with pytest.raises(ValueError, match="pixel_scaling"):
        make_preprocessing_fn((2, 2), 1, "max")
