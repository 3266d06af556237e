"""Keras 3 image classifiers: the book's CNN, augmentation, and the classification head."""
from __future__ import annotations

from typing import Any

from tfpipe.pipelines.vision.config import Augmentation, VisionSettings
from tfpipe.pipelines.vision.features import IMAGE_XF

FEATURES_LAYER = "features"   # the layer whose output a transfer-learning base re-uses
PROBABILITIES = "probabilities"


def augmentation_layers(augmentation: Augmentation, seed: int | None = None) -> list[Any]:
    """Random flip/rotation/zoom/translation layers; Keras runs them only in training."""
    import keras

    layers: list[Any] = []
    if augmentation.flip:
        layers.append(keras.layers.RandomFlip(augmentation.flip, seed=seed, name="aug_flip"))
    if augmentation.rotation:
        layers.append(keras.layers.RandomRotation(augmentation.rotation, fill_mode="constant",
                                                  seed=seed, name="aug_rotation"))
    if augmentation.zoom:
        layers.append(keras.layers.RandomZoom(augmentation.zoom, fill_mode="constant",
                                              seed=seed, name="aug_zoom"))
    if augmentation.translation:
        layers.append(keras.layers.RandomTranslation(
            augmentation.translation, augmentation.translation, fill_mode="constant",
            seed=seed, name="aug_translation"))
    return layers


def classification_head(features: Any, num_classes: int) -> Any:
    """One sigmoid unit for two classes, a softmax over the classes otherwise."""
    import keras

    if num_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got {num_classes}")
    units, activation = (1, "sigmoid") if num_classes == 2 else (num_classes, "softmax")
    return keras.layers.Dense(units, activation=activation, name=PROBABILITIES)(features)


def image_input(image_shape: tuple[int, int, int]) -> Any:
    """The model's input: scaled pixels (H, W, C) under the transformed feature name."""
    import keras

    return keras.Input(shape=tuple(image_shape), name=IMAGE_XF, dtype="float32")


def augment(x: Any, augmentation: Augmentation, seed: int) -> Any:
    """Apply the configured augmentation layers (identity when none are on)."""
    for layer in augmentation_layers(augmentation, seed):
        x = layer(x)
    return x


def cnn_features(x: Any, config: VisionSettings) -> Any:
    """Stacked Conv2D + MaxPooling, Flatten, Dropout, Dense: the book's CNN body."""
    import keras

    for i, filters in enumerate(config.conv_filters):
        x = keras.layers.Conv2D(filters, config.kernel_size, padding="same",
                                activation="relu", name=f"conv{i + 1}")(x)
        if min(x.shape[1], x.shape[2]) >= 2:   # small images keep at least 1x1
            x = keras.layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    if config.dropout:
        x = keras.layers.Dropout(config.dropout, name="dropout")(x)
    return keras.layers.Dense(config.dense_units, activation="relu", name=FEATURES_LAYER)(x)


def build_cnn(image_shape: tuple[int, int, int], num_classes: int,
              config: VisionSettings) -> Any:
    """The book's CNN with augmentation and the right head, input keyed by IMAGE_XF."""
    import keras

    inputs = image_input(image_shape)
    x = augment(inputs, config.augmentation, config.seed)
    x = cnn_features(x, config)
    if config.dropout:
        x = keras.layers.Dropout(config.dropout, name="head_dropout")(x)
    outputs = classification_head(x, num_classes)
    return keras.Model({IMAGE_XF: inputs}, outputs, name="vision_cnn")


def build_model(image_shape: tuple[int, int, int], num_classes: int,
                config: VisionSettings) -> Any:
    """A from-scratch CNN, or a transfer model when config.base_model is set."""
    if config.is_transfer:
        from tfpipe.pipelines.vision.transfer import build_transfer_model

        return build_transfer_model(image_shape, num_classes, config)
    return build_cnn(image_shape, num_classes, config)


def compile_model(model: Any, num_classes: int, learning_rate: float) -> Any:
    """Adam with binary or sparse categorical cross-entropy, and accuracy."""
    import keras

    loss = "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss,
                  metrics=["accuracy"])
    return model


def class_probabilities(outputs: Any) -> Any:
    """Model outputs to (batch, classes) probabilities: [1 - p, p] for a sigmoid unit."""
    import tensorflow as tf

    outputs = tf.convert_to_tensor(outputs)
    if outputs.shape[-1] == 1:
        return tf.concat([1.0 - outputs, outputs], axis=-1)
    return outputs
