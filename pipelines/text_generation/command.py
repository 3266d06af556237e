"""`tfpipe generate`: call the pushed model's `generate` signature."""
from __future__ import annotations

import os

from tfpipe.components.serving_labels import served_version
from tfpipe.components.versions import version_dir
from tfpipe.errors import InputError
from tfpipe.pipelines.text_generation import GENERATE_SIGNATURE


def latest_version(base: str) -> str:
    """The served (`stable`) version folder under a TF Serving model base path."""
    version = served_version(base)
    if version is None:
        raise InputError(f"no pushed model under {base}; run `tfpipe run text-generation` "
                         "first (and check --workdir / --model-name)")
    return version_dir(base, version)


def generate_text(model_dir: str, seed_text: str, words: int, temperature: float = 0.0,
                  seed: int = 0) -> str:
    """Seed text plus `words` generated words; greedy when temperature is 0."""
    if words < 0:
        raise InputError(f"--words {words}: must be >= 0")
    if temperature < 0:
        raise InputError(f"--temperature {temperature}: must be >= 0 (0 = greedy)")
    if not os.path.isfile(os.path.join(model_dir, "saved_model.pb")):
        raise InputError(f"{model_dir}: not a SavedModel folder")
    import tensorflow as tf

    loaded = tf.saved_model.load(model_dir)
    if GENERATE_SIGNATURE not in loaded.signatures:
        raise InputError(f"{model_dir}: no {GENERATE_SIGNATURE!r} signature "
                         f"(has {sorted(loaded.signatures)}); is it a text-generation model?")
    outputs = loaded.signatures[GENERATE_SIGNATURE](
        seed_text=tf.constant(seed_text), num_words=tf.constant(words, tf.int32),
        temperature=tf.constant(temperature, tf.float32), seed=tf.constant(seed, tf.int64))
    return outputs["text"].numpy().decode("utf-8")
