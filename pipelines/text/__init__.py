"""Text classification task: labelled sentences -> class probabilities.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

from typing import Any

from tfpipe.errors import InputError
from tfpipe.pipelines.text import config as text_config_module
from tfpipe.task import TaskInfo

NAME = "text"
PRIMARY_METRIC = "accuracy"
# The task's own keys: every field of TextConfig except `seed` (a common key), plus the
# training, gating and quarantine keys the shared components read.
_CONFIG_DEFAULTS = text_config_module.flat_config(text_config_module.TextConfig())
DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in _CONFIG_DEFAULTS.items() if k != "seed"},
    "patience": 3,
    "validation_fraction": 0.1,
    "margin": 0.05,
    "min_accuracy": 0.0,
    "max_bad_fraction": 0.5,
    # Train applies the fitted transform graph to ingest's records in tf.data instead of
    # reading a transformed copy: token lookups are cheaper than writing and reading one.
    "materialize": False,
}
TYPES: dict[str, type] = {
    "format": str, "header": bool, "quoting": bool, "delimiter": str, "text_column": str,
    "label_column": str, "label_values": str, "file_pattern": str, "sequence_length": int,
    "embedding_dim": int, "pretrained_embeddings": str, "stopwords_file": str,
}
_READER = ("format", "header", "quoting", "delimiter", "text_column", "label_column",
           "label_values", "file_pattern", "encoding")
_CLEANING = ("lowercase", "strip_html", "remove_punctuation", "remove_stopwords",
             "stopwords_file")
_VOCAB = ("vocab_size", "min_frequency", "oov_buckets", "sequence_length", "length_percentile",
          "max_sequence_length", "truncating")
_MODEL = ("model", "embedding_dim", "units", "dense_units", "filters", "kernel_size",
          "dropout", "epochs", "batch_size", "learning_rate", "seed", "pretrained_embeddings",
          "trainable_embeddings")
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": _READER + ("eval_fraction", "split_seed"),
    "transform": _CLEANING + _VOCAB + ("label_values", "materialize"),
    "train": _MODEL + ("oov_buckets", "patience", "validation_fraction", "label_values"),
    "evaluate": ("label_values", "margin", "min_accuracy", "champion_relative_tolerance",
                 "champion_absolute_tolerance", "force_bless"),
}


def settings(params: dict[str, Any]) -> text_config_module.TextConfig:
    """The typed config from a component's params (keys it does not use keep defaults)."""
    known = set(_CONFIG_DEFAULTS)
    try:
        return text_config_module.text_config({k: v for k, v in params.items() if k in known})
    except ValueError as error:
        raise InputError(str(error)) from None


def validate_config(config: dict[str, Any]) -> None:
    """Reject configs that cannot work, naming the key."""
    settings(config)
    for key in ("patience",):
        if not isinstance(config[key], int) or config[key] < 0:
            raise InputError(f"config {key}={config[key]!r}: must be a non-negative integer")
    if not 0.0 <= float(config["validation_fraction"]) < 1.0:
        raise InputError(f"config validation_fraction={config['validation_fraction']}: "
                         "must be in [0, 1)")
    if not 0.0 <= float(config["max_bad_fraction"]) <= 1.0:
        raise InputError(f"config max_bad_fraction={config['max_bad_fraction']}: "
                         "must be in [0, 1]")


TASK = TaskInfo(name=NAME, defaults=DEFAULTS, types=TYPES, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC, validate_config=validate_config,
                implementation="tfpipe.pipelines.text.task:TextTask",
                summary="labelled sentences -> class probabilities")
