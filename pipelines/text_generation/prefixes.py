"""Transformed line features to the model's n-gram prefixes, labels and line index."""
from __future__ import annotations

from typing import Any

from tfpipe.pipelines.text.features import SEQUENCE_LENGTH_KEY, TOKENS_KEY, as_ragged, pad_to_length
from tfpipe.pipelines.text_generation.ngrams import ngram_prefixes


def line_prefixes(transformed: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(prefixes [m, L-1], next ids [m], line index [m]) with L the fitted line length."""
    import tensorflow as tf

    ids = as_ragged(transformed[TOKENS_KEY])
    length = transformed[SEQUENCE_LENGTH_KEY]
    dense = pad_to_length(ids, length, "post")
    context = tf.maximum(tf.reduce_max(tf.cast(length, tf.int64)) - 1, 1)
    return ngram_prefixes(dense, ids.row_lengths(), context)
