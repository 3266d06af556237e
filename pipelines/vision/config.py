"""The vision task's parameters: one frozen dataclass, parsed from plain config values."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from tfpipe.pipelines.errors import InputError


@dataclass(frozen=True)
class Augmentation:
    """Random augmentation layers, active only in training; 0 or False turns one off."""

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
    """Everything the vision task reads from `--set` / `--config`; defaults fit MNIST."""

    # ingest
    image_size: tuple[int, int] | None = None   # (height, width); None: native size of arrays
    channels: int | None = None                 # 1 or 3; None: native channels of arrays
    class_names: tuple[str, ...] = ()           # names for integer labels, or folders to use
    images: str = ""                            # explicit idx images file
    labels: str = ""                            # explicit idx labels file
    split_index: int | None = None              # first index of the eval range in file order
    eval_fraction: float = 0.2                  # stratified split when split_index is unset
    seed: int = 42
    max_bad_fraction: float = 0.1               # quarantined / listed above this fails ingest
    batch_size_ingest: int = 256                # images per Beam element
    # transform
    pixel_scaling: str = "unit"                 # "unit": x/255; "zscore": full-pass mean/std
    # model
    conv_filters: tuple[int, ...] = (32, 64)
    kernel_size: int = 3
    dense_units: int = 128
    dropout: float = 0.3
    augmentation: Augmentation = field(default_factory=Augmentation)
    base_model: str = ""                        # local .keras file or SavedModel folder
    fine_tune_layers: int = 0
    # training
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3

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


def _size(value: Any) -> tuple[int, int] | None:
    """`28`, `[28, 28]` or `"28x28"` to (height, width)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parts = value.lower().replace("x", ",").split(",")
        value = [p.strip() for p in parts if p.strip()]
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        value = [value, value]
    try:
        height, width = (int(v) for v in value)
    except (TypeError, ValueError) as error:
        raise InputError(f"image_size={value!r}: expected N, [H, W] or 'HxW'") from error
    if height < 1 or width < 1:
        raise InputError(f"image_size={value!r}: both sides must be at least 1 pixel")
    return height, width


def _names(value: Any) -> tuple[str, ...]:
    """A list or comma-separated string of class names to a tuple of strings."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(v).strip() for v in value)


def _ints(value: Any) -> tuple[int, ...]:
    """A list or comma-separated string to a tuple of ints."""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if isinstance(value, int):
        value = [value]
    return tuple(int(v) for v in value)


def _augmentation(params: Mapping[str, Any]) -> Augmentation:
    """Augmentation from a nested `augmentation` dict or flat `augment_*` keys."""
    nested = dict(params.get("augmentation") or {})
    for key in ("flip", "rotation", "zoom", "translation"):
        if f"augment_{key}" in params:
            nested[key] = params[f"augment_{key}"]
    unknown = set(nested) - {"flip", "rotation", "zoom", "translation"}
    if unknown:
        raise InputError(f"unknown augmentation keys {sorted(unknown)}: "
                         "use flip, rotation, zoom, translation")
    flip = nested.get("flip", "")
    flip = "horizontal" if flip is True else ("" if flip in (False, None, "none") else flip)
    if flip not in ("", "horizontal", "vertical", "horizontal_and_vertical"):
        raise InputError(f"augmentation flip={flip!r}: use horizontal, vertical, "
                         "horizontal_and_vertical or none")
    return Augmentation(flip=flip, rotation=float(nested.get("rotation", 0.0)),
                        zoom=float(nested.get("zoom", 0.0)),
                        translation=float(nested.get("translation", 0.0)))


_CONVERTERS = {"image_size": _size, "class_names": _names, "conv_filters": _ints}


def parse_config(params: Mapping[str, Any] | None = None) -> VisionConfig:
    """Build a VisionConfig from plain values; unknown keys fail with their names."""
    params = dict(params or {})
    fields = {f.name: f for f in dataclasses.fields(VisionConfig)}
    flat_aug = {k for k in params if k.startswith("augment_")}
    unknown = set(params) - set(fields) - flat_aug
    if unknown:
        raise InputError(f"unknown vision parameters {sorted(unknown)}; "
                         f"known: {sorted(fields)}")
    values: dict[str, Any] = {"augmentation": _augmentation(params)}
    for name, value in params.items():
        if name == "augmentation" or name in flat_aug:
            continue
        if name in _CONVERTERS:
            values[name] = _CONVERTERS[name](value)
        elif value is None:
            values[name] = None
        else:
            kind = type(fields[name].default)
            try:
                values[name] = kind(value) if kind in (int, float, str) else value
            except (TypeError, ValueError) as error:
                raise InputError(f"vision parameter {name}={value!r}: expected "
                                 f"{kind.__name__}") from error
    if "split_index" in values and values["split_index"] is not None:
        values["split_index"] = int(values["split_index"])
    if "channels" in values and values["channels"] is not None:
        values["channels"] = int(values["channels"])
    config = VisionConfig(**values)
    validate_config(config)
    return config


def validate_config(config: VisionConfig) -> None:
    """Reject values no run could use, naming the key."""
    if config.channels not in (None, 1, 3):
        raise InputError(f"channels={config.channels}: use 1 (grey) or 3 (colour)")
    if not 0.0 < config.eval_fraction < 1.0:
        raise InputError(f"eval_fraction={config.eval_fraction}: must be between 0 and 1")
    if not 0.0 <= config.max_bad_fraction <= 1.0:
        raise InputError(f"max_bad_fraction={config.max_bad_fraction}: must be in [0, 1]")
    if config.pixel_scaling not in ("unit", "zscore"):
        raise InputError(f"pixel_scaling={config.pixel_scaling!r}: use unit or zscore")
    if not config.conv_filters and not config.base_model:
        raise InputError("conv_filters is empty and no base_model is given: nothing to train")
    if config.fine_tune_layers < 0:
        raise InputError(f"fine_tune_layers={config.fine_tune_layers}: must be >= 0")
    if config.fine_tune_layers and not config.base_model:
        raise InputError("fine_tune_layers needs base_model")
    if not 0.0 <= config.dropout < 1.0:
        raise InputError(f"dropout={config.dropout}: must be in [0, 1)")
    for name in ("epochs", "batch_size", "batch_size_ingest", "kernel_size"):
        if getattr(config, name) < 1:
            raise InputError(f"{name}={getattr(config, name)}: must be at least 1")


def config_to_params(config: VisionConfig) -> dict[str, Any]:
    """Plain JSON-ready dict of a config (for the cache key and MLflow params)."""
    out = dataclasses.asdict(config)
    for key, value in out.items():
        if isinstance(value, tuple):
            out[key] = list(value)
    return out
