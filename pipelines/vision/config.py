"""The vision task's parameters: one flat frozen dataclass, parsed from plain config values."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Mapping

from tfpipe.errors import InputError

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


@dataclass(frozen=True)
class VisionConfig:
    """Every vision key of `--set` / `--config`; the defaults fit MNIST-sized digits."""

    # ingest
    image_size: tuple[int, int] | None = None   # (height, width); None: native size of arrays
    channels: int | None = None                 # 1 or 3; None: native channels of arrays
    class_names: tuple[str, ...] = ()           # names for integer labels, or folders to use
    images: str = ""                            # explicit idx images file
    labels: str = ""                            # explicit idx labels file
    split_index: int | None = None              # first index of the eval range in file order
    eval_fraction: float = 0.2                  # stratified split when split_index is unset
    seed: int = 42
    ingest_batch_size: int = 256                # images per Beam element
    # transform
    pixel_scaling: str = "unit"                 # "unit": x/255; "zscore": full-pass mean/std
    # model
    conv_filters: tuple[int, ...] = (32, 64)
    kernel_size: int = 3
    dense_units: int = 128
    dropout: float = 0.3
    augment_flip: str = ""
    augment_rotation: float = 0.0
    augment_zoom: float = 0.0
    augment_translation: float = 0.0
    base_model: str = ""                        # local .keras file or SavedModel folder
    base_layer: str = ""                        # cut the base here (default: last 2-D map)
    fine_tune_layers: int = 0
    # training
    epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 1e-3

    @property
    def augmentation(self) -> Augmentation:
        """The augmentation settings as one value."""
        return Augmentation(self.augment_flip, self.augment_rotation, self.augment_zoom,
                            self.augment_translation)

    @property
    def is_transfer(self) -> bool:
        """True when a base model is given."""
        return bool(self.base_model)


_DEFAULT_FOLDER_SIZE = (64, 64)
_DEFAULT_FOLDER_CHANNELS = 3


def default_folder_shape(config: VisionConfig) -> tuple[tuple[int, int], int]:
    """Image size and channels for folders of files, where there is no native size."""
    return (config.image_size or _DEFAULT_FOLDER_SIZE,
            config.channels or _DEFAULT_FOLDER_CHANNELS)


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
        raise InputError(f"image_size={value!r}: expected N, [H, W] or 'HxW'") from error
    if height < 1 or width < 1:
        raise InputError(f"image_size={value!r}: both sides must be at least 1 pixel")
    return height, width


def parse_names(value: Any) -> tuple[str, ...]:
    """A list or comma-separated string of class names to a tuple of strings."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    names = tuple(str(v).strip() for v in value)
    if len(set(names)) != len(names) or "" in names:
        raise InputError(f"class_names={list(names)}: names must be unique and non-empty")
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
        raise InputError(f"conv_filters={value!r}: expected a list of integers") from error


_CONVERTERS = {"image_size": parse_size, "class_names": parse_names, "conv_filters": parse_ints}
FIELDS = {f.name: f for f in dataclasses.fields(VisionConfig)}


def _convert(name: str, value: Any) -> Any:
    """One raw value to the field's type, naming the key when it does not fit."""
    if name in _CONVERTERS:
        return _CONVERTERS[name](value)
    if value is None:
        return None
    if name in ("split_index", "channels"):
        kind: type = int
    else:
        kind = type(FIELDS[name].default)
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise InputError(f"vision parameter {name}={value!r}: expected an integer")
    try:
        return kind(value) if kind in (int, float, str) else value
    except (TypeError, ValueError) as error:
        raise InputError(f"vision parameter {name}={value!r}: expected "
                         f"{kind.__name__}") from error


def parse_config(params: Mapping[str, Any] | None = None) -> VisionConfig:
    """A VisionConfig from the vision keys of `params` (other keys are not ours: ignored)."""
    values = {name: _convert(name, value) for name, value in dict(params or {}).items()
              if name in FIELDS}
    config = VisionConfig(**values)
    validate_config(config)
    return config


def validate_config(config: VisionConfig) -> None:
    """Reject values no run could use, naming the key."""
    if config.channels not in (None, 1, 3):
        raise InputError(f"channels={config.channels}: use 1 (grey) or 3 (colour)")
    if not 0.0 < config.eval_fraction < 1.0:
        raise InputError(f"eval_fraction={config.eval_fraction}: must be between 0 and 1")
    if config.pixel_scaling not in ("unit", "zscore"):
        raise InputError(f"pixel_scaling={config.pixel_scaling!r}: use unit or zscore")
    if not config.conv_filters and not config.base_model:
        raise InputError("conv_filters is empty and no base_model is given: nothing to train")
    if any(f < 1 for f in config.conv_filters):
        raise InputError(f"conv_filters={list(config.conv_filters)}: each must be >= 1")
    if config.fine_tune_layers < 0:
        raise InputError(f"fine_tune_layers={config.fine_tune_layers}: must be >= 0")
    if config.fine_tune_layers and not config.base_model:
        raise InputError("fine_tune_layers needs base_model (a local .keras file or "
                         "SavedModel folder)")
    if not 0.0 <= config.dropout < 1.0:
        raise InputError(f"dropout={config.dropout}: must be in [0, 1)")
    if config.augment_flip not in FLIPS:
        raise InputError(f"augment_flip={config.augment_flip!r}: use horizontal, vertical, "
                         "horizontal_and_vertical or an empty string")
    for name in ("augment_rotation", "augment_zoom", "augment_translation"):
        if not 0.0 <= getattr(config, name) < 1.0:
            raise InputError(f"{name}={getattr(config, name)}: must be in [0, 1)")
    for name in ("epochs", "batch_size", "ingest_batch_size", "kernel_size", "dense_units"):
        if getattr(config, name) < 1:
            raise InputError(f"{name}={getattr(config, name)}: must be at least 1")
    if config.split_index is not None and config.split_index < 1:
        raise InputError(f"split_index={config.split_index}: must be at least 1")


def defaults() -> dict[str, Any]:
    """The config keys and JSON-ready defaults the task registers with the framework."""
    out: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        value = spec.default
        out[name] = list(value) if isinstance(value, tuple) else value
    return out
