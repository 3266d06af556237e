"""Keras classifiers: each architecture runs, the embedding rule, pretrained vectors."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.pipelines.text.config import ModelConfig
from tfpipe.pipelines.text.glove import embedding_matrix, read_glove
from tfpipe.pipelines.text.models import build_classifier, default_embedding_dim


def test_embedding_dim_is_about_the_fourth_root_of_the_vocabulary():
    assert default_embedding_dim(10000) == 10
    assert default_embedding_dim(2000) == 7
    assert default_embedding_dim(1) == 2


@pytest.mark.parametrize("name", ["pooled", "bilstm", "conv1d"])
def test_each_model_maps_padded_ids_to_probabilities(name):
    model = build_classifier(ModelConfig(model=name, units=4, filters=4, dense_units=4),
                             num_tokens=20, vocabulary_size=17, num_classes=3)
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], dtype=np.int64)
    probabilities = np.asarray(model(ids))
    assert probabilities.shape == (2, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert model.get_layer("embedding").output_dim == default_embedding_dim(17)


@pytest.mark.parametrize("name", ["pooled", "bilstm", "conv1d"])
def test_each_model_answers_an_all_padding_row_with_finite_probabilities(name):
    model = build_classifier(ModelConfig(model=name, units=4, filters=4, dense_units=4),
                             num_tokens=20, vocabulary_size=17, num_classes=2)
    ids = np.array([[0, 0, 0], [5, 0, 0]], dtype=np.int64)
    probabilities = np.asarray(model(ids))
    assert np.all(np.isfinite(probabilities)), probabilities
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_pooled_model_ignores_padding():
    model = build_classifier(ModelConfig(model="pooled"), 20, 17, 2)
    short = np.asarray(model(np.array([[3, 4, 0]], dtype=np.int64)))
    long = np.asarray(model(np.array([[3, 4, 0, 0, 0, 0]], dtype=np.int64)))
    np.testing.assert_allclose(short, long, rtol=1e-5)


def test_glove_vectors_fill_the_embedding(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("good 1 2 3\nbad -1 -2 -3\nunused 9 9 9\n")
    matrix, coverage = embedding_matrix(str(path), ["good", "film", "bad"], num_tokens=5)
    assert matrix.shape == (5, 3) and coverage == pytest.approx(2 / 3)
    np.testing.assert_array_equal(matrix[0], 0.0)
    np.testing.assert_array_equal(matrix[1], [1, 2, 3])
    np.testing.assert_array_equal(matrix[3], [-1, -2, -3])
    model = build_classifier(ModelConfig(model="pooled", trainable_embeddings=False), 5, 3, 2,
                             matrix)
    layer = model.get_layer("embedding")
    assert not layer.trainable
    np.testing.assert_allclose(np.asarray(layer.embeddings)[1], [1, 2, 3])


def test_glove_with_ragged_vectors_is_rejected(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("a 1 2\nb 1 2 3\n")
    with pytest.raises(ValueError, match="line 2 has 3 values, expected 2"):
        read_glove(str(path))
