"""The vision task's keys (one flat settings dataclass) and the parsers of its list keys."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from tfpipe.errors import InputError
from tfpipe.settings import Settings, key

FLIPS = ("", "horizontal", "vertical", "horizontal_and_vertical")


@dataclass(frozen=True)
class Augmentation:
    """Random augmentation layers, active only in training; 0 or "" turns one off."""

    flip: str = ""            # "", "horizontal", "vertical" or "horizontal_and_vertical"
    rotation: float = 0.0     # fraction of a full turn, e.g. 0.05
    zoom: float = 0.0         # fraction, e.g. 0.1
    translation: float = 0.0  # fraction of height and width, e.g. 0.1

    @property
    def enabled(self) -> bool:
        """True when at least one augmentation is on."""
        return bool(self.flip or self.rotation or self.zoom or self.translation)


# Larger sides would not fit a batch of resized images in memory.
MAX_IMAGE_SIDE = 2048

def parse_size(value: Any) -> tuple[int, int] | None:
    """`28`, `[28, 28]`, `"28"`, `"28x28"` or `"[28, 28]"` to (height, width)."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = json.loads(text)
        else:
            value = [p.strip() for p in text.lower().replace("x", ",").split(",") if p.strip()]
    if isinstance(value, (int, float)):
        value = [value, value]
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = [value[0], value[0]]
    try:
        height, width = (int(v) for v in value)
    except (TypeError, ValueError) as error:
        raise ValueError("expected N, [H, W] or 'HxW'") from error
    if height < 1 or width < 1:
        raise ValueError("both sides must be at least 1 pixel")
    if max(height, width) > MAX_IMAGE_SIDE:
        raise ValueError(f"each side must be at most {MAX_IMAGE_SIDE} pixels (images are "
                         "resized to it and batched in memory)")
    return height, width


def parse_names(value: Any) -> tuple[str, ...]:
    """A list or comma-separated string of class names to a tuple of strings."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    names = tuple(str(v).strip() for v in value)
    if len(set(names)) != len(names) or "" in names:
        raise ValueError("names must be unique and non-empty")
    if len(names) == 1:
        raise ValueError("a classifier needs at least two classes; list them all, or leave "
                         "class_names unset to take them from the data")
    return names


def parse_ints(value: Any) -> tuple[int, ...]:
    """A list, a JSON list or a comma-separated string to a tuple of ints."""
    if isinstance(value, str):
        text = value.strip()
        value = json.loads(text) if text.startswith("[") else [
            v for v in text.split(",") if v.strip()]
    if isinstance(value, int):
        value = [value]
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError) as error:
        raise ValueError("expected a list of integers") from error


@dataclass(frozen=True)
class VisionSettings(Settings):
    """Every vision key of `--set` / `--config`; the defaults fit MNIST-sized digits."""

    # ingest
    image_size: tuple[int, int] | None = key(None, parse=parse_size)
    channels: int | None = key(None, choices=(1, 3))    # None: native channels of arrays
    class_names: tuple[str, ...] = key((), parse=parse_names)
    images: str = ""                            # explicit idx images file
    labels: str = ""                            # explicit idx labels file
    split_index: int | None = key(None, at_least=1)  # first eval index in file order
    eval_fraction: float = key(0.2, above=0.0, below=1.0)  # stratified split otherwise
    ingest_batch_size: int = key(256, at_least=1, at_most=1_000_000)  # images per element
    max_bad_fraction: float = key(0.1, at_least=0.0, at_most=1.0)  # quarantined above: fail
    # transform
    pixel_scaling: str = key("unit", choices=("unit", "zscore"))  # x/255, or mean/std
    # model
    conv_filters: tuple[int, ...] = key((32, 64), at_least=1, parse=parse_ints)
    kernel_size: int = key(3, at_least=1, at_most=1_000)
    dense_units: int = key(128, at_least=1, at_most=100_000)
    dropout: float = key(0.3, at_least=0.0, below=1.0)
    augment_flip: str = key("", choices=FLIPS)
    augment_rotation: float = key(0.0, at_least=0.0, below=1.0)
    augment_zoom: float = key(0.0, at_least=0.0, below=1.0)
    augment_translation: float = key(0.0, at_least=0.0, below=1.0)
    base_model: str = ""                        # local .keras file or SavedModel folder
    base_model_digest: str | None = None        # filled by resolve_config: base_model content
    base_layer: str = ""                        # cut the base here (default: last 2-D map)
    fine_tune_layers: int = key(0, at_least=0, at_most=100_000)
    # training
    epochs: int = key(8, at_least=1, at_most=100_000)
    batch_size: int = key(64, at_least=1, at_most=1_000_000)
    learning_rate: float = key(1e-3, above=0.0, at_most=10.0)
    validation_fraction: float = key(0.0, at_least=0.0, below=1.0)  # early-stopping slice
    patience: int = key(3, at_least=0, at_most=100_000)
    # evaluate
    margin: float = key(0.05, at_least=0.0, below=1.0)  # accuracy >= (1 + margin) * majority
    min_accuracy: float = key(0.0, at_least=0.0, at_most=1.0)  # a floor, when above 0

    @property
    def augmentation(self) -> Augmentation:
        """The augmentation settings as one value."""
        return Augmentation(self.augment_flip, self.augment_rotation, self.augment_zoom,
                            self.augment_translation)

    @property
    def is_transfer(self) -> bool:
        """True when a base model is given."""
        return bool(self.base_model)

    def check(self) -> None:
        """Something to train, and a local base model when transfer learning."""
        if not self.conv_filters and not self.base_model:
            raise InputError("config conv_filters is empty and no base_model is given: "
                             "nothing to train")
        if self.fine_tune_layers and not self.base_model:
            raise InputError("config fine_tune_layers needs base_model (a local .keras file "
                             "or SavedModel folder)")
        if self.base_model and not os.path.exists(self.base_model):
            raise InputError(f"config base_model={self.base_model}: no such file or folder "
                             "(transfer learning reads a local model; nothing is downloaded)")


_DEFAULT_FOLDER_SIZE = (64, 64)
_DEFAULT_FOLDER_CHANNELS = 3


def default_folder_shape(config: VisionSettings) -> tuple[tuple[int, int], int]:
    """Image size and channels for folders of files, where there is no native size."""
    return (config.image_size or _DEFAULT_FOLDER_SIZE,
            config.channels or _DEFAULT_FOLDER_CHANNELS)
