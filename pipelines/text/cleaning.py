"""Text cleaning and sequence shaping as TensorFlow ops, so they live in the transform graph."""
from __future__ import annotations

from typing import Any

from tfpipe.pipelines.text.config import CleaningConfig

HTML_TAG = r"<[^>]*>"
HTML_ENTITY = r"&(?:[a-zA-Z]+|#[0-9]+|#[xX][0-9a-fA-F]+);"
APOSTROPHES = "['\u2019`]"
NOT_WORD = r"[^\p{L}\p{M}\p{N}\s]+"


def clean_text(texts: Any, cfg: CleaningConfig) -> Any:
    """Lower-case, strip HTML and punctuation from a string tensor, per the config."""
    import tensorflow as tf

    out = texts
    if cfg.strip_html:
        out = tf.strings.regex_replace(out, HTML_TAG, " ")
        out = tf.strings.regex_replace(out, HTML_ENTITY, " ")
    if cfg.lowercase:
        out = tf.strings.lower(out, encoding="utf-8")
    if cfg.remove_punctuation:
        out = tf.strings.regex_replace(out, APOSTROPHES, "")
        out = tf.strings.regex_replace(out, NOT_WORD, " ")
    return out


def tokenize(texts: Any, cfg: CleaningConfig, stopwords: tuple[str, ...] = ()) -> Any:
    """Cleaned texts split on whitespace into a RaggedTensor, stop-words removed if asked."""
    import tensorflow as tf

    tokens = tf.strings.split(clean_text(texts, cfg))
    if cfg.remove_stopwords and stopwords:
        pattern = "(?:" + "|".join(_escape(w) for w in stopwords) + ")"
        keep = tf.logical_not(tf.strings.regex_full_match(tokens.flat_values, pattern))
        tokens = tf.ragged.boolean_mask(tokens, tokens.with_flat_values(keep))
    return tokens


def _escape(word: str) -> str:
    """Escape RE2 metacharacters in a literal word."""
    return "".join("\\" + ch if ch in r".^$|?*+()[]{}\\" else ch for ch in word)
