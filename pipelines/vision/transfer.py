"""Transfer learning from a local base model: load, cut to features, freeze, fine-tune."""
from __future__ import annotations

import os
from typing import Any

from tfpipe.errors import InputError
from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.pipelines.vision.features import IMAGE_XF
from tfpipe.pipelines.vision.model import (FEATURES_LAYER, augment, classification_head,
                                           image_input)

# Where a tfpipe export keeps the Keras model beside its SavedModel (TF Serving ignores it).
KERAS_IN_SAVED_MODEL = os.path.join("assets.extra", "model.keras")


def content_digest(path: str) -> str:
    """SHA-256 over a file, or over every file (relative name and bytes) under a folder."""
    import hashlib

    digest = hashlib.sha256()
    if os.path.isfile(path):
        files = [(os.path.basename(path), path)]
    else:
        files = sorted((os.path.relpath(os.path.join(root, name), path),
                        os.path.join(root, name))
                       for root, _, names in os.walk(path) for name in names)
    for name, full in files:
        digest.update(name.encode("utf-8") + b"\0")
        with open(full, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def find_keras_file(path: str) -> str | None:
    """The Keras model file at `path`, or the one a tfpipe export keeps beside its SavedModel."""
    if os.path.isfile(path) and path.endswith((".keras", ".h5")):
        return path
    inside = os.path.join(path, KERAS_IN_SAVED_MODEL)
    return inside if os.path.isfile(inside) else None


def load_base_model(path: str) -> Any:
    """A local Keras model, or a SavedModel wrapped as a layer; never downloads anything."""
    import keras

    if not os.path.exists(path):
        raise InputError(f"base_model {path}: no such file or folder (transfer learning "
                         "reads a local .keras file or SavedModel folder; nothing is "
                         "downloaded)")
    keras_file = find_keras_file(path)
    if keras_file:
        return keras.models.load_model(keras_file, compile=False)
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return keras.layers.TFSMLayer(path, call_endpoint=_endpoint(path), trainable=False,
                                      name="base_saved_model")
    raise InputError(f"base_model {path}: neither a .keras/.h5 file nor a SavedModel folder")


def _endpoint(path: str) -> str:
    """The SavedModel signature to call: serving_default, else serve."""
    import tensorflow as tf

    signatures = tf.saved_model.load(path).signatures
    for name in ("serving_default", "serve"):
        if name in signatures:
            return name
    raise InputError(f"base_model {path}: SavedModel has no serving_default/serve signature")


def feature_extractor(base: Any, layer_name: str = "") -> Any:
    """The base cut to reusable features, the book's way (Inception cut at 'mixed7').

    `layer_name` picks the layer; by default the last layer with a 2-D feature map (the
    generic convolutional features), or, for a base without one, the input of its final
    Dense layer.
    """
    import keras

    if isinstance(base, keras.layers.TFSMLayer):
        if layer_name:
            raise InputError("base_layer needs a Keras base model; a plain SavedModel is "
                             "called whole")
        return base
    if layer_name:
        try:
            output = base.get_layer(layer_name).output
        except ValueError:
            raise InputError(f"base_layer {layer_name!r} is not a layer of the base model "
                             f"(layers: {[layer.name for layer in base.layers]})") from None
    else:
        maps = [layer for layer in base.layers[1:] if len(layer.output.shape) == 4]
        if maps:
            output = maps[-1].output
        elif isinstance(base.layers[-1], keras.layers.Dense):
            output = base.layers[-1].input
        else:
            output = base.outputs[0]
    return keras.Model(base.inputs, output, name="base_features")


def base_input_shape(extractor: Any) -> tuple[int, ...] | None:
    """The shape (without batch) the extractor expects, when it says."""
    inputs = getattr(extractor, "inputs", None)
    if not inputs:
        return None
    return tuple(inputs[0].shape[1:])


def adapt_images(x: Any, target: tuple[int, ...] | None) -> Any:
    """Resize, convert channels or flatten images to what the base model expects."""
    import keras

    if target is None:
        return x
    if len(target) == 1:
        return keras.layers.Flatten(name="adapt_flatten")(x)
    height, width, channels = target
    if (height, width) != tuple(x.shape[1:3]) and height and width:
        x = keras.layers.Resizing(height, width, name="adapt_resize")(x)
    if channels and channels != x.shape[-1]:
        if x.shape[-1] == 1:
            x = keras.layers.Concatenate(name="adapt_grey_to_rgb")([x] * channels)
        elif channels == 1:
            x = keras.layers.Dense(1, use_bias=False, trainable=False, name="adapt_rgb_to_grey",
                                   kernel_initializer=keras.initializers.Constant(
                                       1.0 / x.shape[-1]))(x)
        else:
            raise InputError(f"base model expects {channels} channels; images have "
                             f"{x.shape[-1]}")
    return x


def set_trainable(extractor: Any, fine_tune_layers: int) -> int:
    """Freeze the extractor, then unfreeze its last N layers that hold weights; return N."""
    import keras

    if isinstance(extractor, keras.layers.TFSMLayer):
        if fine_tune_layers:
            raise InputError("fine_tune_layers needs a Keras base model (.keras file or a "
                             "tfpipe export); a plain SavedModel has no layers to unfreeze")
        extractor.trainable = False
        return 0
    weighted = [layer for layer in extractor.layers if layer.weights]
    extractor.trainable = fine_tune_layers > 0
    for layer in extractor.layers:
        layer.trainable = False
    for layer in weighted[len(weighted) - min(fine_tune_layers, len(weighted)):]:
        layer.trainable = fine_tune_layers > 0
    return min(fine_tune_layers, len(weighted))


def _extract(extractor: Any, x: Any) -> Any:
    """Call the extractor in inference mode (no dropout, no augmentation, frozen stats)."""
    import keras

    if isinstance(extractor, keras.layers.TFSMLayer):
        out = extractor(x)
        if isinstance(out, dict):
            out = out[sorted(out)[0]]
        return out
    return extractor(x, training=False)


def build_transfer_model(image_shape: tuple[int, int, int], num_classes: int,
                         config: VisionSettings) -> Any:
    """Augmentation, the frozen base's features, then a new Dense head with dropout."""
    import keras

    extractor = feature_extractor(load_base_model(config.base_model), config.base_layer)
    set_trainable(extractor, config.fine_tune_layers)
    inputs = image_input(image_shape)
    x = augment(inputs, config.augmentation, config.seed)
    x = adapt_images(x, base_input_shape(extractor))
    x = _extract(extractor, x)
    if len(x.shape) > 2:
        x = keras.layers.Flatten(name="flatten")(x)
    if config.dropout:
        x = keras.layers.Dropout(config.dropout, name="dropout")(x)
    x = keras.layers.Dense(config.dense_units, activation="relu", name=FEATURES_LAYER)(x)
    if config.dropout:
        x = keras.layers.Dropout(config.dropout, name="head_dropout")(x)
    outputs = classification_head(x, num_classes)
    return keras.Model({IMAGE_XF: inputs}, outputs, name="vision_transfer")
