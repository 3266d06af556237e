"""Vision task: image classification with CNNs, augmentation and transfer learning.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.task import TaskInfo

NAME = "vision"
PRIMARY_METRIC = "accuracy"
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


TASK = TaskInfo(name=NAME, settings=VisionSettings, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC,
                implementation="tfpipe.pipelines.vision.task:VisionTask",
                summary="images -> class probabilities (CNN or transfer learning)")
