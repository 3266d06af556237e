"""In-graph next-word scoring of whole lines, and metrics from per-line sums."""
from __future__ import annotations

from typing import Any

import numpy as np

# Per-line sums the serving signature returns and the metrics aggregate, in this order.
STAT_KEYS = ("top1_hits", "top5_hits", "log_prob", "next_words")
_FLOOR = 1e-12


def line_scores(probabilities: Any, labels: Any, rows: Any, num_lines: Any,
                oov_start: int) -> dict[str, Any]:
    """Per-line sums over n-grams: top-1/top-5 hits (OOV labels never hit), log p, count."""
    import tensorflow as tf

    probabilities = tf.cast(probabilities, tf.float32)
    labels = tf.cast(labels, tf.int64)
    known = labels < tf.cast(oov_start, tf.int64)
    top5 = tf.math.top_k(probabilities, k=tf.minimum(5, tf.shape(probabilities)[1])).indices
    hit5 = tf.reduce_any(tf.cast(top5, tf.int64) == labels[:, tf.newaxis], axis=1) & known
    hit1 = (tf.argmax(probabilities, axis=1) == labels) & known
    log_prob = tf.math.log(tf.maximum(tf.gather(probabilities, labels, batch_dims=1), _FLOOR))
    num_lines = tf.cast(num_lines, tf.int32)

    def per_line(values: Any) -> Any:
        """Sum n-gram values into their lines."""
        return tf.math.unsorted_segment_sum(tf.cast(values, tf.float32), rows, num_lines)

    return {"top1_hits": per_line(hit1), "top5_hits": per_line(hit5),
            "log_prob": per_line(log_prob), "next_words": per_line(tf.ones_like(log_prob))}


def stack_stats(stats: dict[str, Any]) -> np.ndarray:
    """[lines, 4] array of the per-line sums in STAT_KEYS order."""
    return np.stack([np.asarray(stats[k], dtype=np.float64).reshape(-1) for k in STAT_KEYS],
                    axis=1)


def metrics_from_stats(stats: np.ndarray) -> dict[str, float]:
    """top1_accuracy, top5_accuracy and perplexity from per-line sums."""
    stats = np.asarray(stats, dtype=np.float64).reshape(-1, len(STAT_KEYS))
    total = stats[:, 3].sum()
    if total <= 0:
        raise ValueError("no next words to score: every eval line has fewer than two tokens")
    return {"top1_accuracy": float(stats[:, 0].sum() / total),
            "top5_accuracy": float(stats[:, 1].sum() / total),
            "perplexity": float(np.exp(-stats[:, 2].sum() / total))}
