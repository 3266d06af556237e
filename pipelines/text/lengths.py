"""The sequence length the transform fitted, and the classifier `model=auto` picks for it.

Sentences and long documents want different models: on one-sentence reviews word order
matters ("was not great") and a Conv1D over a few dozen tokens is cheap; on reviews of
hundreds of words a bag of words carries the signal and averaged embeddings learn it at a
fraction of the Conv1D's cost, which grows with the length. The fitted length (the train
split's 95th-percentile token count, capped) tells the two apart without the user saying.
"""
from __future__ import annotations

import json
import os
from typing import Any

from tfpipe.components.transform import FACTS_FILE
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


def fitted_sequence_length(tft_output: Any) -> int:
    """The fitted length from the facts transform recorded beside its graph, else the graph."""
    folder = os.path.dirname(os.path.normpath(tft_output.transform_savedmodel_dir))
    try:
        with open(os.path.join(folder, FACTS_FILE), encoding="utf-8") as handle:
            return int(json.load(handle)[SEQUENCE_LENGTH_FACT])
    except (OSError, ValueError, KeyError):
        return graph_sequence_length(tft_output)


def length_facts(sequence_length: int, long_text_tokens: int) -> dict[str, float]:
    """For reviewers: the fitted length and whether it counts as long (auto: pooled)."""
    return {SEQUENCE_LENGTH_FACT: float(sequence_length),
            LONG_TEXTS_FACT: float(sequence_length > long_text_tokens)}
