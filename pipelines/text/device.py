"""The text device model: token ids in (the app tokenizes with the shipped vocabulary),
class probabilities out.

The transform (cleaning, tokenizing, a vocabulary lookup with hashed out-of-vocabulary
buckets) needs string ops and lookup tables that TFLite's built-in ops lack, so the device
model starts at its output.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tfpipe.device import DeviceSpec
from tfpipe.pipelines.text.features import TEXT_KEY, TOKENS_KEY, VOCAB_NAME, pad_to_length
from tfpipe.pipelines.text.lengths import fitted_sequence_length

VOCABULARY_FILE = "vocabulary.txt"
LABELS_FILE = "labels.txt"
BATCH = 512


def device_spec(tft_output: Any, class_names: list[str], cleaning: Any,
                oov_buckets: int) -> DeviceSpec:
    """int32 token ids [batch, L] (0-padded) -> probabilities in labels.txt order."""
    import tensorflow as tf

    from tfpipe.components.export import transform_function

    transform, _ = transform_function(tft_output)
    length = fitted_sequence_length(tft_output)
    vocabulary = [w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w)
                  for w in tft_output.vocabulary_by_name(VOCAB_NAME)]

    def eval_inputs(raw: dict[str, Any]) -> dict[str, Any]:
        texts = np.asarray(raw[TEXT_KEY]).reshape(-1)
        parts = [np.zeros((0, length), np.int32)]
        for start in range(0, len(texts), BATCH):
            transformed = transform({TEXT_KEY: tf.constant(texts[start:start + BATCH])})
            ids = pad_to_length(transformed[TOKENS_KEY], tf.constant(length, tf.int64))
            parts.append(ids.numpy().astype(np.int32))
        return {TOKENS_KEY: np.concatenate(parts)}

    first_oov = len(vocabulary) + 1
    cleaned = "; ".join(name for name, on in (
        ("HTML tags and entities replaced by spaces", cleaning.strip_html),
        ("lowercased", cleaning.lowercase),
        ("apostrophes dropped, then every run of characters that are not letters, marks, "
         "digits or whitespace replaced by a space", cleaning.remove_punctuation),
        ("stopwords removed", cleaning.remove_stopwords)) if on) or "as is"
    return DeviceSpec(
        inputs={TOKENS_KEY: tf.TensorSpec([None, length], tf.int32, name=TOKENS_KEY)},
        model_inputs=lambda inputs: tf.cast(inputs[TOKENS_KEY], tf.int64),
        outputs=lambda predictions, _: {"probabilities": predictions},
        eval_inputs=eval_inputs,
        eval_predictions=lambda outputs: outputs["probabilities"],
        description={
            "task": "text",
            "inputs": {TOKENS_KEY: {"meaning": (
                f"the sentence's words ({cleaned}, split on whitespace) as ids: the word on "
                f"line n of {VOCABULARY_FILE} (1-based) has id n; a word not in it has an id "
                f"from {first_oov} to {first_oov + oov_buckets - 1} (tf.Transform hashes it "
                f"into {oov_buckets} bucket(s); with one bucket every unknown word is "
                f"{first_oov}); the {'last' if cleaning.truncating == 'pre' else 'first'} "
                f"{length} words, then 0-padded at the end to {length}")}},
            "outputs": {"probabilities": {
                "meaning": f"probability per class, in the order of the lines of "
                           f"{LABELS_FILE}"}}},
        files={VOCABULARY_FILE: "".join(f"{word}\n" for word in vocabulary),
               LABELS_FILE: "".join(f"{name}\n" for name in class_names)})
