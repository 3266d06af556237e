"""N-gram prefixes of tokenized lines: every prefix left-padded, the next word as label."""
from __future__ import annotations

from typing import Any

import numpy as np


def ngram_prefixes(token_ids: Any, lengths: Any, context_length: Any
                   ) -> tuple[Any, Any, Any]:
    """[n, L] ids, [n] lengths -> ([m, context] left-padded prefixes, [m] next ids, [m] lines)."""
    # Line t1..tk yields prefixes t1 | t1 t2 | ... | t1..t(k-1) with labels t2..tk; a prefix
    # keeps its last `context_length` ids.
    import tensorflow as tf

    ids = tf.convert_to_tensor(token_ids)
    lengths = tf.cast(tf.reshape(lengths, [-1]), tf.int32)
    context_length = tf.cast(context_length, tf.int32)
    width = tf.shape(ids)[1]
    targets = tf.range(1, tf.maximum(width, 1))                       # label positions
    source = targets[:, tf.newaxis] - context_length + tf.range(context_length)[tf.newaxis, :]
    windows = tf.gather(ids, tf.maximum(source, 0), axis=1)            # [n, L-1, C]
    windows = tf.where(source[tf.newaxis] >= 0, windows, tf.zeros_like(windows))
    labels = tf.gather(ids, targets, axis=1)                           # [n, L-1]
    keep = targets[tf.newaxis, :] < lengths[:, tf.newaxis]
    rows = tf.broadcast_to(tf.range(tf.shape(ids)[0])[:, tf.newaxis], tf.shape(keep))
    return (tf.boolean_mask(windows, keep), tf.boolean_mask(labels, keep),
            tf.boolean_mask(rows, keep))


def ngram_prefixes_numpy(lines: list[list[int]], context_length: int
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Reference implementation on Python lists, used to check the graph version."""
    prefixes, labels = [], []
    for line in lines:
        for end in range(1, len(line)):
            window = line[max(0, end - context_length):end]
            prefixes.append([0] * (context_length - len(window)) + window)
            labels.append(line[end])
    return (np.asarray(prefixes, dtype=np.int64).reshape(-1, context_length),
            np.asarray(labels, dtype=np.int64))
