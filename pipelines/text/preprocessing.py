"""The tf.Transform preprocessing_fn: clean, tokenize, vocabulary with OOV buckets, pad."""
from __future__ import annotations

from typing import Any, Callable

from tfpipe.pipelines.text.cleaning import pad_and_truncate, tokenize
from tfpipe.pipelines.text.config import CleaningConfig, VocabConfig
from tfpipe.pipelines.text.features import (LABEL_KEY, LENGTH_KEY, TEXT_KEY, TOKENS_KEY,
                                            VOCAB_NAME)


def make_preprocessing_fn(cleaning: CleaningConfig, vocab: VocabConfig, sequence_length: int,
                          stopwords: tuple[str, ...] = (), with_label: bool = True
                          ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A preprocessing_fn mapping raw text to fixed-length token ids (0 = padding)."""
    if sequence_length < 1:
        raise ValueError(f"sequence_length must be >= 1, got {sequence_length}")

    def preprocessing_fn(inputs: dict[str, Any]) -> dict[str, Any]:
        """Raw {'text'[, 'label']} to {'token_ids', 'length'[, 'label']}."""
        import tensorflow as tf
        import tensorflow_transform as tft

        text = tf.reshape(inputs[TEXT_KEY], [-1])
        tokens = tokenize(text, cleaning, stopwords)
        ids = tft.compute_and_apply_vocabulary(
            tokens, top_k=vocab.vocab_size, num_oov_buckets=vocab.oov_buckets,
            vocab_filename=VOCAB_NAME)
        ids = ids + 1  # shift so that id 0 (PAD_ID) is free for padding
        outputs = {
            TOKENS_KEY: pad_and_truncate(ids, sequence_length, vocab.padding, vocab.truncating),
            LENGTH_KEY: tf.minimum(ids.row_lengths(), sequence_length),
        }
        if with_label and LABEL_KEY in inputs:
            outputs[LABEL_KEY] = tf.reshape(inputs[LABEL_KEY], [-1])
        return outputs

    return preprocessing_fn
