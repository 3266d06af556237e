"""N-gram prefixes in the graph match the plain-Python reference."""
from __future__ import annotations

import numpy as np

from tfpipe.pipelines.text_generation.ngrams import ngram_prefixes, ngram_prefixes_numpy


def test_graph_prefixes_match_reference_and_index_their_lines():
    import tensorflow as tf

    lines = [[5, 6, 7, 8], [9], [3, 4], []]
    dense = tf.ragged.constant(lines, dtype=tf.int64).to_tensor(shape=[4, 4])
    for context in (3, 2, 1):
        prefixes, labels, rows = ngram_prefixes(dense, [4, 1, 2, 0], context)
        expected_prefixes, expected_labels = ngram_prefixes_numpy(lines, context)
        np.testing.assert_array_equal(prefixes.numpy(), expected_prefixes)
        np.testing.assert_array_equal(labels.numpy(), expected_labels)
        assert rows.numpy().tolist() == [0, 0, 0, 2]


def test_reference_left_pads_every_prefix():
    prefixes, labels = ngram_prefixes_numpy([[1, 2, 3]], 3)
    assert prefixes.tolist() == [[0, 0, 1], [0, 1, 2]] and labels.tolist() == [2, 3]
