"""Keras builders: the book's CNN, heads, augmentation only in training."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.settings import parse
from tfpipe.pipelines.vision.features import IMAGE_XF
from tfpipe.pipelines.vision.model import (augmentation_layers, build_cnn, class_probabilities,
                                           compile_model)

TINY = {"conv_filters": [4, 8], "dense_units": 8}


def test_softmax_for_many_classes_sigmoid_for_two():
    many = build_cnn((8, 8, 1), 4, parse(VisionSettings, TINY))
    two = build_cnn((8, 8, 3), 2, parse(VisionSettings, TINY))
    assert many.output_shape == (None, 4) and two.output_shape == (None, 1)
    assert many.layers[-1].activation.__name__ == "softmax"
    assert two.layers[-1].activation.__name__ == "sigmoid"
    names = [layer.name for layer in many.layers]
    assert names.count("pool1") == 1 and "features" in names and "dropout" in names


def test_small_images_keep_at_least_one_pixel():
    model = build_cnn((3, 3, 1), 3, parse(VisionSettings, {"conv_filters": [4, 4, 4], "dense_units": 4}))
    assert model.predict({IMAGE_XF: np.zeros((2, 3, 3, 1))}, verbose=0).shape == (2, 3)


def test_augmentation_layers_are_configurable():
    config = parse(VisionSettings, {"augment_flip": "horizontal", "augment_zoom": 0.1})
    names = [layer.name for layer in augmentation_layers(config.augmentation)]
    assert names == ["aug_flip", "aug_zoom"]
    assert augmentation_layers(parse(VisionSettings, {}).augmentation) == []


def test_augmentation_changes_inputs_only_in_training():
    import keras

    config = parse(VisionSettings, {**TINY, "augment_rotation": 0.2, "augment_translation": 0.2})
    model = build_cnn((12, 12, 1), 3, config)
    augmented = keras.Model(model.inputs, model.get_layer("aug_translation").output)
    images = np.random.default_rng(0).random((4, 12, 12, 1)).astype("float32")
    np.testing.assert_allclose(augmented({IMAGE_XF: images}, training=False), images)
    assert not np.allclose(augmented({IMAGE_XF: images}, training=True), images)


@pytest.mark.parametrize("classes, loss", [(2, "binary_crossentropy"),
                                           (5, "sparse_categorical_crossentropy")])
def test_compile_picks_the_loss(classes, loss):
    model = compile_model(build_cnn((8, 8, 1), classes, parse(VisionSettings, TINY)), classes, 1e-3)
    assert model.loss == loss


def test_one_sigmoid_unit_becomes_two_probabilities():
    probabilities = class_probabilities(np.array([[0.25], [0.9]], np.float32)).numpy()
    np.testing.assert_allclose(probabilities, [[0.75, 0.25], [0.1, 0.9]], rtol=1e-6)
