"""Feature names and raw feature specs shared by the text tasks."""
from __future__ import annotations

from typing import Any

TEXT_KEY = "text"
LABEL_KEY = "label"               # raw: the label name; transformed: its index
LABEL_INDEX_KEY = "label_index"   # raw: index of the label in the label-set order
TOKENS_KEY = "token_ids"
SEQUENCE_LENGTH_KEY = "sequence_length"
VOCAB_NAME = "text_vocab"
LABEL_VOCAB = "label_values"


def raw_feature_spec(task: str, labelled: bool = True) -> dict[str, Any]:
    """tf.Example parsing spec of a text task's ingested records, from schemas/<task>.pbtxt."""
    from tensorflow_transform.tf_metadata import schema_utils

    from tfpipe.schemas import load_schema

    spec = dict(schema_utils.schema_as_feature_spec(load_schema(task)).feature_spec)
    if not labelled:
        spec.pop(LABEL_KEY, None)
        spec.pop(LABEL_INDEX_KEY, None)
    return spec


def num_token_ids(vocabulary_size: int, oov_buckets: int) -> int:
    """Size of the id space: padding id 0, the vocabulary, then the OOV buckets."""
    return 1 + vocabulary_size + oov_buckets


def as_ragged(ids: Any) -> Any:
    """Token ids as a RaggedTensor, from a SparseTensor, RaggedTensor or dense tensor."""
    import tensorflow as tf

    if isinstance(ids, tf.SparseTensor):
        return tf.RaggedTensor.from_sparse(ids)
    if isinstance(ids, tf.RaggedTensor):
        return ids
    return tf.RaggedTensor.from_tensor(ids)


def pad_to_length(ids: Any, length: Any, side: str = "post") -> Any:
    """Dense [batch, length] ids from sparse or ragged ids no longer than `length`, 0-padded."""
    import tensorflow as tf

    ids = as_ragged(ids)
    length = tf.maximum(tf.reduce_max(tf.cast(length, tf.int64)), 1)
    dense = ids.to_tensor(default_value=0, shape=tf.stack([ids.nrows(), length]))
    if side == "post":
        return dense
    shift = length - ids.row_lengths()
    positions = tf.range(length)[tf.newaxis, :] - shift[:, tf.newaxis]
    gathered = tf.gather(dense, tf.maximum(positions, 0), batch_dims=1)
    return tf.where(positions >= 0, gathered, tf.zeros_like(gathered))
