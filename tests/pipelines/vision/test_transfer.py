"""Transfer learning: loading local bases, cutting, freezing, adapting, and what it buys."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.settings import parse
from tfpipe.pipelines.vision.features import IMAGE_XF
from tfpipe.pipelines.vision.model import build_cnn, build_model
from tfpipe.pipelines.vision.transfer import (KERAS_IN_SAVED_MODEL, adapt_images,
                                              feature_extractor, load_base_model,
                                              set_trainable)

TINY = {"conv_filters": [4, 8], "dense_units": 8}


@pytest.fixture
def base_file(tmp_path) -> str:
    """A tiny tfpipe CNN for 8x8 grey images, saved as .keras."""
    path = str(tmp_path / "base.keras")
    build_cnn((8, 8, 1), 4, parse(VisionSettings, TINY)).save(path)
    return path


def test_extractor_cuts_at_the_last_feature_map(base_file):
    extractor = feature_extractor(load_base_model(base_file))
    assert extractor.output.shape[1:] == (2, 2, 8)  # pool2: before flatten and the head
    named = feature_extractor(load_base_model(base_file), "features")
    assert named.output.shape[1:] == (8,)
    with pytest.raises(InputError, match="nope"):
        feature_extractor(load_base_model(base_file), "nope")


def test_dense_only_base_is_cut_before_its_classifier():
    import keras

    inputs = keras.Input((4, 4, 1))
    hidden = keras.layers.Dense(5, name="hidden")(keras.layers.Flatten()(inputs))
    base = keras.Model(inputs, keras.layers.Dense(3, name="out")(hidden))
    assert feature_extractor(base).output.shape[1:] == (5,)


def test_frozen_then_last_n_weighted_layers_unfrozen(base_file):
    extractor = feature_extractor(load_base_model(base_file))
    assert set_trainable(extractor, 0) == 0 and not extractor.trainable_weights
    assert set_trainable(extractor, 1) == 1
    trainable = [layer.name for layer in extractor.layers if layer.trainable and layer.weights]
    assert trainable == ["conv2"]
    assert set_trainable(extractor, 10) == 2  # capped at the layers that have weights


def test_transfer_model_keeps_base_weights_and_trains_only_the_head(base_file):
    base = load_base_model(base_file)
    model = build_model((8, 8, 1), 3, parse(VisionSettings, {**TINY, "base_model": base_file}))
    assert model.output_shape == (None, 3)
    inner = model.get_layer("base_features")
    np.testing.assert_array_equal(inner.get_layer("conv1").get_weights()[0],
                                  base.get_layer("conv1").get_weights()[0])
    trainable = {w.path.split("/")[0] for w in model.trainable_weights}
    assert trainable == {"features", "probabilities"}


def test_images_adapted_to_the_base_input():
    import keras

    grey = keras.Input((8, 8, 1))
    assert adapt_images(grey, (16, 16, 3)).shape[1:] == (16, 16, 3)
    colour = keras.Input((8, 8, 3))
    assert adapt_images(colour, (8, 8, 1)).shape[1:] == (8, 8, 1)
    assert adapt_images(colour, (192,)).shape[1:] == (192,)


def test_tfpipe_export_folder_and_plain_savedmodel(base_file, tmp_path):
    import keras

    exported = tmp_path / "export" / "1"
    os.makedirs(exported / os.path.dirname(KERAS_IN_SAVED_MODEL))
    (exported / "saved_model.pb").write_bytes(b"")
    os.replace(base_file, exported / KERAS_IN_SAVED_MODEL)
    assert isinstance(load_base_model(str(exported)), keras.Model)

    plain = build_cnn((8, 8, 1), 4, parse(VisionSettings, TINY))
    plain_dir = str(tmp_path / "plain")
    plain.export(plain_dir, verbose=False)
    model = build_model((8, 8, 1), 2, parse(VisionSettings, {**TINY, "base_model": plain_dir}))
    assert model.predict({IMAGE_XF: np.zeros((2, 8, 8, 1))}, verbose=0).shape == (2, 1)
    with pytest.raises(InputError, match="fine_tune_layers needs a Keras base"):
        build_model((8, 8, 1), 2, parse(VisionSettings, {**TINY, "base_model": plain_dir,
                                                "fine_tune_layers": 1}))


def test_missing_base_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="nothing is downloaded"):
        load_base_model(str(tmp_path / "missing.keras"))


def test_content_digest_changes_with_the_base(base_file, tmp_path):
    from tfpipe.pipelines.vision.transfer import content_digest

    first = content_digest(base_file)
    assert content_digest(base_file) == first
    build_cnn((8, 8, 1), 4, parse(VisionSettings, TINY)).save(base_file)  # new random weights
    assert content_digest(base_file) != first
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a").write_bytes(b"1")
    before = content_digest(str(folder))
    (folder / "a").write_bytes(b"2")
    assert content_digest(str(folder)) != before


def test_export_keeps_the_keras_model_where_transfer_looks():
    from tfpipe.components.export import KERAS_MODEL_FILE

    assert KERAS_IN_SAVED_MODEL == KERAS_MODEL_FILE
