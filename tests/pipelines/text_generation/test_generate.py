"""The in-graph generate function: greedy is deterministic, sampling is seeded."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.pipelines.text_generation.generate import id_to_word_table, make_generate_fn

VOCAB = ["the", "cat", "sat", "mat"]


class NextIsSuccessor:
    """A fake model: after id k it predicts k + 1 (wrapping within the vocabulary)."""

    def __call__(self, context, training=False):
        import tensorflow as tf

        last = tf.cast(context[:, -1], tf.int32)
        nxt = tf.where(last >= len(VOCAB), 1, last + 1)
        return tf.one_hot(nxt, len(VOCAB) + 2) * 0.9 + 0.1 / (len(VOCAB) + 2)


def transform(features):
    """A fake transform layer: words to ids via the vocabulary, unknown words to OOV."""
    import tensorflow as tf

    words = tf.strings.split(tf.strings.lower(features["text"]))
    table = tf.constant(VOCAB)
    ids = tf.ragged.map_flat_values(
        lambda w: tf.cast(tf.argmax(tf.cast(tf.equal(w[:, None], table[None, :]), tf.int32),
                                    axis=1) + 1, tf.int64), words)
    known = tf.ragged.map_flat_values(lambda w: tf.reduce_any(
        tf.equal(w[:, None], table[None, :]), axis=1), words)
    ids = tf.ragged.map_flat_values(lambda i, k: tf.where(k, i, 5), ids, known)
    return {"token_ids": ids.to_sparse(),
            "sequence_length": tf.fill(tf.shape(features["text"]), tf.constant(4, tf.int64))}


@pytest.fixture(scope="module")
def generate():
    return make_generate_fn(NextIsSuccessor(), transform, VOCAB, oov_buckets=1)


def call(generate, text, words, temperature=0.0, seed=0):
    import tensorflow as tf

    out = generate(tf.constant(text), tf.constant(words), tf.constant(temperature, tf.float32),
                   tf.constant(seed, tf.int64))
    return out["text"].numpy().decode(), [w.decode() for w in out["words"].numpy()]


def test_greedy_continues_the_seed_deterministically(generate):
    text, words = call(generate, "The", 5)
    assert text == "The cat sat mat the cat" and words == ["cat", "sat", "mat", "the", "cat"]
    assert call(generate, "The", 5) == (text, words)
    assert call(generate, "The", 0)[0] == "The"


def test_unknown_seed_words_never_make_padding_or_oov_words(generate):
    _, words = call(generate, "zebra", 3)
    assert len(words) == 3 and not {"<pad>", "<unk>"} & set(words)


def test_sampling_is_seeded(generate):
    first = call(generate, "the", 8, temperature=5.0, seed=1)
    assert first == call(generate, "the", 8, temperature=5.0, seed=1)
    others = {tuple(call(generate, "the", 8, temperature=5.0, seed=s)[1]) for s in range(2, 6)}
    assert len(others | {tuple(first[1])}) > 1


def test_word_table_layout():
    assert id_to_word_table(["a"], 2) == ["<pad>", "a", "<unk>", "<unk>"]
    assert np.asarray(id_to_word_table(VOCAB, 1)).shape == (6,)
