"""Default data and the raw feature spec (class-name scoring: tests/components)."""
from __future__ import annotations

import numpy as np

from tfpipe.pipelines.vision.digits import digits_arrays, write_default_data


def test_default_digits_written_once(tmp_path):
    x, y = digits_arrays()
    assert x.shape == (1797, 8, 8) and x.dtype == np.uint8 and x.max() == 255
    assert sorted(set(y.tolist())) == list(range(10))
    path = write_default_data(str(tmp_path))
    with np.load(path) as data:
        np.testing.assert_array_equal(data["x"], x)
    assert write_default_data(str(tmp_path)) == path


def test_raw_spec_follows_the_schema_file():
    import tensorflow as tf

    from tfpipe.schemas import load_schema
    from tfpipe.pipelines.vision.features import raw_feature_spec

    spec = raw_feature_spec((28, 28), 1)
    assert spec == {"image": tf.io.FixedLenFeature([784], tf.int64),
                    "image_shape": tf.io.FixedLenFeature([3], tf.int64),
                    "label": tf.io.FixedLenFeature([], tf.string)}
    assert "label" not in raw_feature_spec((4, 4), 3, with_label=False)
    image = next(f for f in load_schema("vision").feature if f.name == "image")
    assert (image.int_domain.min, image.int_domain.max) == (0, 255)
