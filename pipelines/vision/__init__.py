"""Vision task: image classification with CNNs, augmentation and transfer learning.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

import os
from typing import Any

from tfpipe.errors import InputError
from tfpipe.pipelines.vision import config as vision_config
from tfpipe.task import TaskInfo

NAME = "vision"
PRIMARY_METRIC = "accuracy"
DEFAULTS: dict[str, Any] = {
    **vision_config.defaults(),
    "max_bad_fraction": 0.1,        # quarantined / listed above this fails the ingest
    "validation_fraction": 0.0,     # slice of train held out for early stopping
    "patience": 3,
    "margin": 0.05,                 # accuracy >= (1 + margin) * majority-class accuracy
    "min_accuracy": 0.0,            # an absolute floor as well, when above 0
    "base_model_digest": None,      # filled by resolve_config: base_model content in the key
}
TYPES: dict[str, type] = {"image_size": str, "channels": int, "class_names": str,
                          "split_index": int, "base_model_digest": str}
_SHAPE = ("image_size", "channels")
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": _SHAPE + ("class_names", "images", "labels", "split_index", "eval_fraction",
                        "seed", "ingest_batch_size"),
    "transform": _SHAPE + ("pixel_scaling",),
    "train": _SHAPE + ("conv_filters", "kernel_size", "dense_units", "dropout", "augment_flip",
                       "augment_rotation", "augment_zoom", "augment_translation",
                       "base_model", "base_model_digest", "base_layer", "fine_tune_layers",
                       "epochs", "batch_size", "learning_rate", "validation_fraction",
                       "patience", "seed"),
    "evaluate": _SHAPE + ("margin", "min_accuracy", "champion_relative_tolerance",
                          "champion_absolute_tolerance", "force_bless"),
}


def validate_config(config: dict[str, Any]) -> None:
    """Reject configs no run could use, naming the key."""
    vision_config.parse_config(config)
    for key in ("max_bad_fraction", "validation_fraction", "margin", "min_accuracy"):
        if not 0.0 <= float(config[key]) <= 1.0:
            raise InputError(f"config {key}={config[key]!r}: must be in [0, 1]")
    if config["base_model"] and not os.path.exists(config["base_model"]):
        raise InputError(f"config base_model={config['base_model']}: no such file or folder "
                         "(transfer learning reads a local model; nothing is downloaded)")


TASK = TaskInfo(name=NAME, defaults=DEFAULTS, types=TYPES, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC, validate_config=validate_config,
                implementation="tfpipe.pipelines.vision.task:VisionTask",
                summary="images -> class probabilities (CNN or transfer learning)")
