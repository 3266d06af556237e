"""Forecasting early-stops on the latest train windows; serving still takes windows only."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tfpipe.components.datasets import training_datasets
from tfpipe.pipelines.forecasting.task import ForecastingTask
from tfpipe.components import tfrecords
from tfpipe.pipelines.forecasting.series import make_windows

forecasting = ForecastingTask()
PARAMS = {"window_size": 4, "horizon": 1, "seasonal_period": None}


@pytest.fixture(scope="module")
def transformed(tmp_path_factory) -> tuple[str, object, list[dict]]:
    """(train records root, TFTransformOutput, raw windows) of 60 windows written shuffled."""
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

    tmp_path = tmp_path_factory.mktemp("forecasting-validation")
    values = np.sin(np.arange(64) / 3.0) * 10 + np.arange(64)
    windows = [{k: v for k, v in w.items() if k != "split"}
               for w in make_windows(values, 4, 1, split_index=64)]
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(
        forecasting.raw_feature_spec(PARAMS)))
    with tft_beam.Context(temp_dir=str(tmp_path / "tft"), force_tf_compat_v1=False):
        (rows, _), transform_fn = ((windows, metadata) | tft_beam.AnalyzeAndTransformDataset(
            forecasting.preprocessing_fn(PARAMS)))
        _ = transform_fn | tft_beam.WriteTransformFn(str(tmp_path / "graph"))
    write_shuffled(str(tmp_path / "examples"), rows)
    return str(tmp_path / "examples"), tft.TFTransformOutput(str(tmp_path / "graph")), windows


def write_shuffled(root: str, rows: list[dict]) -> None:
    """Transformed rows in a random order over two GZIP shards of the train split."""
    import tensorflow as tf

    folder = os.path.join(root, "Split-train")
    os.makedirs(folder)
    order = np.random.default_rng(1).permutation(len(rows))
    for shard in range(2):
        name = f"data-{shard:05d}-of-00002" + tfrecords.SUFFIX
        with tf.io.TFRecordWriter(os.path.join(folder, name), options="GZIP") as writer:
            for i in order[shard::2]:
                writer.write(tfrecords.to_example(rows[i]))


def targets(dataset) -> list[float]:
    """Every scaled target of a batched (x, y) dataset, sorted."""
    return sorted(float(v) for _, y in dataset for v in np.ravel(y))


def test_validation_is_the_latest_tenth_of_train_windows(transformed):
    root, tft_output, windows = transformed
    params = {"validation_fraction": 0.1, "batch_size": 8, "seed": 0}
    train, validation, sizes = training_datasets(forecasting, tft_output, root, params)
    assert sizes == {"train": 54, "validation": 6}
    mean, std = scale(tft_output, windows)
    by_time = [(w["target"][0] - mean) / std for w in sorted(windows,
                                                              key=lambda w: w["target_index"])]
    np.testing.assert_allclose(targets(validation), sorted(by_time[-6:]), rtol=1e-5)
    np.testing.assert_allclose(targets(train), sorted(by_time[:-6]), rtol=1e-5)


def scale(tft_output, windows: list[dict]) -> tuple[float, float]:
    """The mean and std the transform fitted, read back through the serving layer."""
    import tensorflow as tf

    layer = tft_output.transform_features_layer()
    out = layer({"window": tf.constant([windows[0]["window"]], tf.float32)})
    return float(out["scale_mean"][0, 0]), float(out["scale_std"][0, 0])


def test_serving_transform_needs_windows_only(transformed):
    import tensorflow as tf

    _, tft_output, _ = transformed
    out = tft_output.transform_features_layer()({"window": tf.zeros([2, 4], tf.float32)})
    assert "target_index" not in out and out["window_scaled"].shape == (2, 4)
    assert "target_index" in tft_output.transformed_feature_spec()
