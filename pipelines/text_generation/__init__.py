"""Next-word text generation task: lines of a corpus -> a bidirectional-LSTM language model.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

from tfpipe.pipelines.text_generation.config import GenerationSettings
from tfpipe.task import Command, TaskInfo

NAME = "text-generation"
PRIMARY_METRIC = "top5_accuracy"
GENERATE_SIGNATURE = "generate"
_CLEANING = ("lowercase", "strip_html", "remove_punctuation", "remove_stopwords",
             "stopwords_file")
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": ("file_pattern", "encoding", "eval_fraction", "split_seed", "vocab_size",
               "min_frequency", "max_sequence_length") + _CLEANING,
    "transform": _CLEANING + ("vocab_size", "min_frequency", "oov_buckets", "sequence_length",
                              "length_percentile", "max_sequence_length", "truncating",
                              "force_tf_compat_v1"),
    "train": ("embedding_dim", "units", "dropout", "epochs", "batch_size", "learning_rate",
              "seed", "oov_buckets", "patience", "validation_fraction"),
    "evaluate": ("margin", "champion_relative_tolerance", "champion_absolute_tolerance",
                 "force_bless"),
}


TASK = TaskInfo(name=NAME, settings=GenerationSettings, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC,
                implementation="tfpipe.pipelines.text_generation.task:TextGenerationTask",
                commands=(Command(
                    name="generate", help="generate text with a pushed text-generation model",
                    description="Call the `generate` signature of the latest pushed "
                    "text-generation model: prints the seed text and N more words.",
                    add_arguments="tfpipe.pipelines.text_generation.cli:add_arguments",
                    run="tfpipe.pipelines.text_generation.cli:run"),),
                summary="lines of a corpus -> a next-word language model")
