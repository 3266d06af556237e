"""Text classification task: labelled sentences -> class probabilities.

The light half of the task: name, config keys and their check. The hooks live in task.py.
"""
from __future__ import annotations

from tfpipe.pipelines.text.config import TextSettings
from tfpipe.task import TaskInfo

NAME = "text"
PRIMARY_METRIC = "accuracy"
_READER = ("format", "header", "quoting", "delimiter", "text_column", "label_column",
           "label_values", "file_pattern", "encoding")
_CLEANING = ("lowercase", "strip_html", "remove_punctuation", "remove_stopwords",
             "stopwords_file")
_VOCAB = ("vocab_size", "min_frequency", "oov_buckets", "sequence_length", "length_percentile",
          "max_sequence_length", "truncating")
_MODEL = ("model", "long_text_tokens", "embedding_dim", "units", "dense_units", "filters",
          "kernel_size", "dropout", "epochs", "batch_size", "learning_rate", "seed",
          "pretrained_embeddings", "trainable_embeddings")
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": _READER + ("eval_fraction", "split_seed"),
    "transform": _CLEANING + _VOCAB + ("label_values", "materialize", "long_text_tokens",
                                       "force_tf_compat_v1"),
    "train": _MODEL + ("oov_buckets", "patience", "validation_fraction", "label_values"),
    "evaluate": ("label_values", "margin", "min_accuracy", "champion_relative_tolerance",
                 "champion_absolute_tolerance", "force_bless"),
}


TASK = TaskInfo(name=NAME, settings=TextSettings, param_groups=PARAM_GROUPS,
                primary_metric=PRIMARY_METRIC,
                implementation="tfpipe.pipelines.text.task:TextTask",
                summary="labelled sentences -> class probabilities")
