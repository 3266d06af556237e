"""Next-word text generation task: lines of a corpus -> a bidirectional-LSTM language model.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

from typing import Any

from tfpipe.errors import InputError
from tfpipe.pipelines.text import config as text_config_module
from tfpipe.pipelines.text_generation import config as generation_config_module
from tfpipe.task import Command, TaskInfo

NAME = "text-generation"
PRIMARY_METRIC = "top5_accuracy"
GENERATE_SIGNATURE = "generate"
_CONFIG_DEFAULTS = text_config_module.flat_config(generation_config_module.generation_config())
DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in _CONFIG_DEFAULTS.items() if k != "seed"},
    "patience": 5,
    "validation_fraction": 0.1,
    "margin": 0.05,
    "max_bad_fraction": 0.5,
}
TYPES: dict[str, type] = {"file_pattern": str, "sequence_length": int, "embedding_dim": int,
                          "stopwords_file": str}
_CLEANING = ("lowercase", "strip_html", "remove_punctuation", "remove_stopwords",
             "stopwords_file")
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": ("file_pattern", "encoding", "eval_fraction", "split_seed", "vocab_size",
               "min_frequency", "max_sequence_length") + _CLEANING,
    "transform": _CLEANING + ("vocab_size", "min_frequency", "oov_buckets", "sequence_length",
                              "length_percentile", "max_sequence_length", "truncating"),
    "train": ("embedding_dim", "units", "dropout", "epochs", "batch_size", "learning_rate",
              "seed", "oov_buckets", "patience", "validation_fraction"),
    "evaluate": ("margin", "champion_relative_tolerance", "champion_absolute_tolerance",
                 "force_bless"),
}


def settings(params: dict[str, Any]) -> generation_config_module.GenerationConfig:
    """The typed config from a component's params (keys it does not use keep defaults)."""
    known = set(_CONFIG_DEFAULTS)
    try:
        return generation_config_module.generation_config(
            {k: v for k, v in params.items() if k in known})
    except ValueError as error:
        raise InputError(str(error)) from None


def validate_config(config: dict[str, Any]) -> None:
    """Reject configs that cannot work, naming the key."""
    settings(config)
    if not isinstance(config["patience"], int) or config["patience"] < 0:
        raise InputError(f"config patience={config['patience']!r}: must be >= 0")
    if not 0.0 <= float(config["validation_fraction"]) < 1.0:
        raise InputError(f"config validation_fraction={config['validation_fraction']}: "
                         "must be in [0, 1)")


TASK = TaskInfo(name=NAME, defaults=DEFAULTS, types=TYPES, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC, validate_config=validate_config,
                implementation="tfpipe.pipelines.text_generation.task:TextGenerationTask",
                commands=(Command(
                    name="generate", help="generate text with a pushed text-generation model",
                    description="Call the `generate` signature of the latest pushed "
                    "text-generation model: prints the seed text and N more words.",
                    add_arguments="tfpipe.pipelines.text_generation.cli:add_arguments",
                    run="tfpipe.pipelines.text_generation.cli:run"),),
                summary="lines of a corpus -> a next-word language model")
