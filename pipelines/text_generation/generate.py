"""Text generation inside the graph: seed text, number of words, temperature -> text."""
from __future__ import annotations

from typing import Any, Callable

from tfpipe.pipelines.text.features import (SEQUENCE_LENGTH_KEY, TEXT_KEY, TOKENS_KEY,
                                            as_ragged)

PAD_WORD = "<pad>"
OOV_WORD = "<unk>"


def id_to_word_table(vocabulary: list[str], oov_buckets: int) -> list[str]:
    """Words by id: padding, the vocabulary, then one marker per OOV bucket."""
    return [PAD_WORD] + list(vocabulary) + [OOV_WORD] * oov_buckets


def generation_signature_spec() -> list[Any]:
    """Input signature of the generate function: scalar seed text, words, temperature, seed."""
    import tensorflow as tf

    return [tf.TensorSpec([], tf.string, name="seed_text"),
            tf.TensorSpec([], tf.int32, name="num_words"),
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int64, name="seed")]


def make_generate_fn(model: Any, transform: Callable[[dict[str, Any]], dict[str, Any]],
                     vocabulary: list[str], oov_buckets: int) -> Any:
    """A tf.function generating words: greedy at temperature 0, else seeded sampling."""
    # `transform` maps {'text': [batch] string} to {'token_ids', 'sequence_length'} (the
    # tf.Transform layer in serving); the model sees the last sequence_length - 1 ids, as in
    # training; padding and OOV ids are never generated.
    import tensorflow as tf

    words = tf.constant(id_to_word_table(vocabulary, oov_buckets))
    num_tokens = len(vocabulary) + 1 + oov_buckets
    allowed = tf.constant([0.0] + [1.0] * len(vocabulary) + [0.0] * oov_buckets)

    def next_id(context: Any, step: Any, temperature: Any, seed: Any) -> Any:
        """The next id from the model's probabilities for one padded context."""
        probabilities = model(context[tf.newaxis, :], training=False)[0]
        probabilities = tf.reshape(tf.cast(probabilities, tf.float32), [num_tokens])
        logits = tf.where(allowed > 0, tf.math.log(probabilities + 1e-12),
                          tf.fill([num_tokens], tf.constant(-1e9)))
        greedy = tf.argmax(logits, output_type=tf.int64)

        def sample() -> Any:
            """Seeded draw at the given temperature."""
            draw = tf.random.stateless_categorical(
                logits[tf.newaxis, :] / temperature, 1,
                seed=tf.stack([seed, tf.cast(step, tf.int64)]))
            return tf.reshape(draw, [])

        return tf.cond(temperature > 0.0, sample, lambda: greedy)

    @tf.function(input_signature=generation_signature_spec(), autograph=False)
    def generate(seed_text: Any, num_words: Any, temperature: Any, seed: Any
                 ) -> dict[str, Any]:
        """Seed text plus num_words generated words."""
        features = transform({TEXT_KEY: tf.reshape(seed_text, [1])})
        ids = tf.cast(as_ragged(features[TOKENS_KEY])[0], tf.int64)
        ids = tf.boolean_mask(ids, ids > 0)
        context_length = tf.maximum(
            tf.cast(tf.reshape(features[SEQUENCE_LENGTH_KEY], [-1])[0], tf.int32) - 1, 1)

        def body(step: Any, sequence: Any, out: Any) -> tuple[Any, Any, Any]:
            """Append one generated id."""
            context = sequence[-context_length:]
            pad = tf.zeros([context_length - tf.size(context)], tf.int64)
            new = next_id(tf.concat([pad, context], 0), step, temperature, seed)
            return step + 1, tf.concat([sequence, [new]], 0), out.write(step, new)

        _, _, generated = tf.while_loop(
            lambda step, *_: step < num_words, body,
            (tf.constant(0), ids, tf.TensorArray(tf.int64, size=num_words)),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None]), None))
        new_words = tf.gather(words, generated.stack())
        text = tf.strings.strip(tf.strings.join(
            [seed_text, tf.strings.reduce_join(new_words, separator=" ")], separator=" "))
        return {"text": text, "words": new_words}

    return generate
