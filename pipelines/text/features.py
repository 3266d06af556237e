"""Feature names and raw/transformed feature specs shared by the text tasks."""
from __future__ import annotations

from typing import Any

TEXT_KEY = "text"
LABEL_KEY = "label"
TOKENS_KEY = "token_ids"
LENGTH_KEY = "length"
VOCAB_NAME = "text_vocab"


def raw_feature_spec(with_label: bool) -> dict[str, Any]:
    """tf.Example parsing spec of the ingested records."""
    import tensorflow as tf

    spec = {TEXT_KEY: tf.io.FixedLenFeature([], tf.string)}
    if with_label:
        spec[LABEL_KEY] = tf.io.FixedLenFeature([], tf.int64)
    return spec


def num_token_ids(vocabulary_size: int, oov_buckets: int) -> int:
    """Size of the id space: padding id 0, the vocabulary, then the OOV buckets."""
    return 1 + vocabulary_size + oov_buckets


def oov_id_range(vocabulary_size: int, oov_buckets: int) -> tuple[int, int]:
    """First and one-past-last id of the out-of-vocabulary buckets."""
    first = 1 + vocabulary_size
    return first, first + oov_buckets
