"""Keras layers of the text models that Keras itself does not supply."""
from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfpipe")
class MaskedAverage(keras.layers.Layer):
    """Average over unmasked time steps; a row with no unmasked step averages to zeros."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        """[batch, steps, dim] -> [batch, dim]; Keras' pooling divides 0 by 0 here."""
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        total = ops.sum(inputs * weights, axis=1)
        count = ops.sum(weights, axis=1)
        return total / ops.maximum(count, ops.ones_like(count))

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        """The pooled output has no time axis left to mask."""
        return None

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Drop the time axis."""
        return (input_shape[0], input_shape[2])
