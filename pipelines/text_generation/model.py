"""The Keras 3 bidirectional-LSTM next-word language model."""
from __future__ import annotations

from typing import Any

from tfpipe.pipelines.text.features import TOKENS_KEY
from tfpipe.pipelines.text.config import TrainingConfig


def default_embedding_dim(vocabulary_size: int) -> int:
    """Four times the fourth root of the vocabulary size, at least 16."""
    return max(16, int(round(4 * max(1, vocabulary_size) ** 0.25)))


def build_language_model(cfg: TrainingConfig, num_tokens: int, vocabulary_size: int
                         ) -> Any:
    """A compiled model: left-padded prefix ids [batch, context] -> next-id probabilities."""
    import keras

    inputs = keras.Input(shape=(None,), dtype="int64", name=TOKENS_KEY)
    dim = cfg.embedding_dim or default_embedding_dim(vocabulary_size)
    hidden = keras.layers.Embedding(num_tokens, dim, mask_zero=True, name="embedding")(inputs)
    hidden = keras.layers.Bidirectional(keras.layers.LSTM(cfg.units), name="bilstm")(hidden)
    if cfg.dropout:
        hidden = keras.layers.Dropout(cfg.dropout, name="dropout")(hidden)
    outputs = keras.layers.Dense(num_tokens, activation="softmax", name="next_word")(hidden)
    model = keras.Model(inputs, outputs, name="next_word_bilstm")
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(
                      k=5, name="top5_accuracy")])
    return model
