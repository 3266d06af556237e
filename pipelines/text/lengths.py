"""The sequence length the transform fitted, and the classifier `model=auto` picks for it.

Sentences and long documents want different models: on one-sentence reviews word order
matters ("was not great") and a Conv1D over a few dozen tokens is cheap; on reviews of
hundreds of words a bag of words carries the signal and averaged embeddings learn it at a
fraction of the Conv1D's cost, which grows with the length. The fitted length (the train
split's 95th-percentile token count, capped) tells the two apart without the user saying.
"""
from __future__ import annotations

from typing import Any

from tfpipe.pipelines.text.features import SEQUENCE_LENGTH_KEY, TEXT_KEY

SEQUENCE_LENGTH_FACT = "sequence_length"
LONG_TEXTS_FACT = "long_texts"
AUTO = "auto"
SHORT_TEXT_MODEL = "conv1d"
LONG_TEXT_MODEL = "pooled"


def choose_model(model: str, sequence_length: int, long_text_tokens: int) -> str:
    """The configured model, or for `auto` conv1d up to `long_text_tokens` and pooled above."""
    if model != AUTO:
        return model
    return LONG_TEXT_MODEL if sequence_length > long_text_tokens else SHORT_TEXT_MODEL


def graph_sequence_length(tft_output: Any) -> int:
    """The fitted length, read by running the transform graph on one string (every row's)."""
    import tensorflow as tf

    from tfpipe.components.export import transform_function

    transform, _ = transform_function(tft_output)
    lengths = transform({TEXT_KEY: tf.constant(["a"])})[SEQUENCE_LENGTH_KEY]
    return int(tf.reshape(lengths, [-1])[0].numpy())


def schema_sequence_length(tft_output: Any) -> int | None:
    """The fitted length from the transformed schema's int domain; None if it holds none."""
    for feature in tft_output.transformed_metadata.schema.feature:
        if feature.name == SEQUENCE_LENGTH_KEY and feature.HasField("int_domain"):
            domain = feature.int_domain
            return int(domain.max) if domain.min == domain.max > 0 else None
    return None


def fitted_sequence_length(tft_output: Any) -> int:
    """The fitted length: from the transformed schema, else (graphs fitted before) the graph."""
    recorded = schema_sequence_length(tft_output)
    return recorded if recorded is not None else graph_sequence_length(tft_output)


def length_facts(sequence_length: int, long_text_tokens: int) -> dict[str, float]:
    """For reviewers: the fitted length and whether it counts as long (auto: pooled)."""
    return {SEQUENCE_LENGTH_FACT: float(sequence_length),
            LONG_TEXTS_FACT: float(sequence_length > long_text_tokens)}
