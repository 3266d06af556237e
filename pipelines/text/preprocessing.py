"""The tf.Transform preprocessing_fn: clean, tokenize, vocabulary with OOV buckets, truncate.

The sequence length is an analyzer result (a percentile of the train token counts) unless
configured, so it is fitted on train and baked into the transform graph; token ids leave the
graph truncated to it (as a SparseTensor, i.e. a VarLenFeature in the transformed records)
and `model_inputs` pads them to exactly that length.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any, Callable

from tfpipe.pipelines.text.cleaning import tokenize
from tfpipe.pipelines.text.config import CleaningConfig, VocabConfig
from tfpipe.pipelines.text.features import (LABEL_INDEX_KEY, LABEL_KEY, LABEL_VOCAB,
                                            SEQUENCE_LENGTH_KEY, TEXT_KEY, TOKENS_KEY,
                                            VOCAB_NAME)


def percentile_length(lengths: Any, percentile: float, cap: int) -> Any:
    """Analyzer: the smallest length covering `percentile`% of train rows, within [1, cap]."""
    import tensorflow as tf
    import tensorflow_transform as tft

    keys, counts = tft.count_per_key(lengths, name="token_count_histogram")
    order = tf.argsort(keys)
    keys = tf.gather(keys, order)
    cumulative = tf.cast(tf.cumsum(tf.gather(counts, order)), tf.float64)
    needed = percentile / 100.0 * cumulative[-1]
    index = tf.argmax(tf.cast(cumulative >= needed - 1e-9, tf.int32))
    return tf.clip_by_value(tf.cast(keys[index], tf.int64), 1, cap)


def frequency_threshold(min_frequency: int) -> int | None:
    """tf.Transform's threshold: None for <= 1, which keeps every token without a filter stage."""
    return min_frequency if min_frequency > 1 else None


def token_ids(text: Any, cleaning: CleaningConfig, vocab: VocabConfig,
              stopwords: tuple[str, ...]) -> Any:
    """Ragged ids: 0 is padding, 1..V the top-V train tokens, then the OOV buckets."""
    import tensorflow_transform as tft

    tokens = tokenize(text, cleaning, stopwords)
    ids = tft.compute_and_apply_vocabulary(
        tokens, top_k=vocab.vocab_size,
        frequency_threshold=frequency_threshold(vocab.min_frequency),
        num_oov_buckets=vocab.oov_buckets, vocab_filename=VOCAB_NAME, name="text_vocabulary")
    return ids + 1


def truncate(ids: Any, length: Any, side: str) -> Any:
    """Keep the first (post) or last (pre) `length` ids of every row."""
    return ids[:, -length:] if side == "pre" else ids[:, :length]


def label_names(labels: Any, label_values: tuple[str, ...] | None) -> None:
    """The LABEL_VOCAB asset: the known label set as is, else a vocabulary of the train labels."""
    import tensorflow as tf
    import tensorflow_transform as tft

    if label_values and all(_one_line(v) for v in label_values):
        names_asset(LABEL_VOCAB, label_values)
    else:
        tft.vocabulary(tf.reshape(labels, [-1]), vocab_filename=LABEL_VOCAB,
                       reserved_tokens=label_values, name="label_vocabulary")


def names_asset(name: str, values: tuple[str, ...]) -> None:
    """Ship `values` (one per line) as the transform graph's asset `name`; no analyzer."""
    import tensorflow as tf
    import tensorflow_transform as tft

    path = _names_file(name, values)
    if tf.inside_function():
        tft.make_and_track_object(lambda: tf.saved_model.Asset(path))
    else:  # tf.Transform's TF1 graph mode (force_tf_compat_v1) collects asset paths instead
        tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.ASSET_FILEPATHS,
                                       tf.constant(path))
    tft.annotate_asset(name, name)


def _names_file(name: str, values: tuple[str, ...]) -> str:
    """A local file `name` holding `values`, in a folder named by its content."""
    # Written where the graph is traced (also on remote workers); the SavedModel copies it.
    text = "".join(f"{value}\n" for value in values)
    folder = os.path.join(tempfile.gettempdir(), "tfpipe-assets-"
                          + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16])
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        partial = f"{path}.{os.getpid()}"
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(partial, path)
    return path


def _one_line(value: str) -> bool:
    """True when a label can be one line of a vocabulary file."""
    return "\n" not in value and "\r" not in value


def make_preprocessing_fn(cleaning: CleaningConfig, vocab: VocabConfig,
                          stopwords: tuple[str, ...] = (),
                          label_values: tuple[str, ...] | None = None,
                          labelled: bool = True) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A preprocessing_fn: raw text (and label) to truncated token ids and the label index."""

    def preprocessing_fn(inputs: dict[str, Any]) -> dict[str, Any]:
        """{'text'[, 'label', 'label_index']} -> {'token_ids', 'sequence_length'[, 'label']}."""
        import tensorflow as tf
        from tensorflow_transform import schema_inference

        text = tf.reshape(inputs[TEXT_KEY], [-1])
        ids = token_ids(text, cleaning, vocab, stopwords)
        if vocab.sequence_length is not None:
            length = tf.constant(vocab.sequence_length, tf.int64)
        else:
            length = percentile_length(ids.row_lengths(), vocab.length_percentile,
                                       vocab.max_sequence_length)
        lengths = tf.fill(tf.shape(text), length)
        # The fitted length also goes into the transformed schema (as the feature's int
        # domain), where train and reviewers read it without loading the graph.
        schema_inference.set_tensor_schema_override(lengths, length, length)
        outputs = {TOKENS_KEY: truncate(ids, length, vocab.truncating).to_sparse(),
                   SEQUENCE_LENGTH_KEY: lengths}
        if labelled and LABEL_INDEX_KEY in inputs:
            label_names(inputs[LABEL_KEY], label_values)
            outputs[LABEL_KEY] = tf.reshape(inputs[LABEL_INDEX_KEY], [-1])
        return outputs

    return preprocessing_fn
