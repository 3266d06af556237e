"""Calling a SavedModel's serving_default on numpy inputs, in batches."""
from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np


def load_signature(path: str, name: str = "serving_default") -> Any:
    """Load a SavedModel and return one of its signatures."""
    loaded = _load(os.path.realpath(path), _file_stamp(os.path.join(path, "saved_model.pb")))
    if name not in loaded.signatures:
        raise ValueError(f"{path}: no {name!r} signature (has {sorted(loaded.signatures)})")
    signature = loaded.signatures[name]
    signature._tfpipe_owner = loaded  # keep the loaded object (and its variables) alive
    return signature


# Push checks the model evaluate has just scored: in one run it reuses that load instead
# of repeating it; a rewritten saved_model.pb has a new stamp and is loaded afresh.
@functools.lru_cache(maxsize=2)
def _load(path: str, stamp: tuple[int, int]) -> Any:
    """tf.saved_model.load, remembered for the last two (path, file stamp) pairs."""
    import tensorflow as tf

    return tf.saved_model.load(path)


def _file_stamp(path: str) -> tuple[int, int]:
    """(mtime in ns, size) of a file; (0, 0) when missing, so loading reports the error."""
    try:
        status = os.stat(path)
    except OSError:
        return 0, 0
    return status.st_mtime_ns, status.st_size


def call_batched(signature: Any, inputs: dict[str, np.ndarray],
                 batch_size: int = 512) -> dict[str, np.ndarray]:
    """Run a signature over numpy inputs and concatenate the outputs."""
    import tensorflow as tf

    specs = signature.structured_input_signature[1]
    count = len(next(iter(inputs.values())))
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, count, batch_size):
        feed = {k: tf.constant(v[start:start + batch_size], dtype=specs[k].dtype)
                for k, v in inputs.items()}
        parts.append({k: t.numpy() for k, t in signature(**feed).items()})
    if not parts:
        return {}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
