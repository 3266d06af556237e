"""Keras 3 classifiers over token ids: pooled embeddings, bidirectional LSTM or Conv1D."""
from __future__ import annotations

from typing import Any

import numpy as np

from tfpipe.pipelines.text.config import ModelConfig
from tfpipe.pipelines.text.features import TOKENS_KEY


def default_embedding_dim(vocabulary_size: int) -> int:
    """The book's rule of thumb: about the fourth root of the vocabulary size (at least 2)."""
    return max(2, int(round(max(1, vocabulary_size) ** 0.25)))


def embedding_layer(cfg: ModelConfig, num_tokens: int, vocabulary_size: int,
                    matrix: np.ndarray | None = None) -> Any:
    """An Embedding (id 0 masked unless Conv1D); initialised from a pretrained matrix if given."""
    import keras

    if matrix is not None:
        if matrix.shape[0] != num_tokens:
            raise ValueError(f"embedding matrix has {matrix.shape[0]} rows, "
                             f"expected {num_tokens}")
        return keras.layers.Embedding(
            num_tokens, matrix.shape[1], mask_zero=_masks(cfg), name="embedding",
            embeddings_initializer=keras.initializers.Constant(matrix),
            trainable=cfg.trainable_embeddings)
    dim = cfg.embedding_dim or default_embedding_dim(vocabulary_size)
    return keras.layers.Embedding(num_tokens, dim, mask_zero=_masks(cfg), name="embedding")


def _masks(cfg: ModelConfig) -> bool:
    """Pooling and LSTMs skip padding through the mask; Conv1D cannot use one."""
    return cfg.model != "conv1d"


def _body(cfg: ModelConfig, embedded: Any) -> Any:
    """The layers between embedding and classifier head, chosen by cfg.model."""
    import keras

    layers = keras.layers
    if cfg.model == "pooled":
        from tfpipe.pipelines.text.layers import MaskedAverage

        return MaskedAverage(name="pool")(embedded)
    if cfg.model == "bilstm":
        return layers.Bidirectional(layers.LSTM(cfg.units), name="bilstm")(embedded)
    if cfg.model == "conv1d":
        conv = layers.Conv1D(cfg.filters, cfg.kernel_size, activation="relu", padding="same",
                             name="conv")(embedded)
        return layers.GlobalMaxPooling1D(name="pool")(conv)
    raise ValueError(f"unknown model {cfg.model!r}")


def build_classifier(cfg: ModelConfig, num_tokens: int, vocabulary_size: int,
                     num_classes: int, matrix: np.ndarray | None = None) -> Any:
    """A compiled Keras model: padded token ids [batch, length] -> class probabilities."""
    import keras

    if num_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got {num_classes}")
    inputs = keras.Input(shape=(None,), dtype="int64", name=TOKENS_KEY)
    embedded = embedding_layer(cfg, num_tokens, vocabulary_size, matrix)(inputs)
    hidden = _body(cfg, embedded)
    hidden = keras.layers.Dense(cfg.dense_units, activation="relu", name="dense")(hidden)
    hidden = keras.layers.Dropout(cfg.dropout, name="dropout")(hidden)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(hidden)
    model = keras.Model(inputs, outputs, name=f"text_{cfg.model}")
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
