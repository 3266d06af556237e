"""TFLite: a device function frozen to the ops its outputs need, converted per variant, and run
in ai-edge-litert's interpreter."""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import numpy as np

from tfpipe.settings import DEVICE_VARIANTS

# What each variant does, for exports.json and the README.
VARIANT_NOTES = {
    "tflite_float32": "float32 weights and activations (no optimization)",
    "tflite_float16": "float16 weights, float32 activations",
    "tflite_dynamic_int8": "int8 weights, activations quantized on the fly (dynamic range)",
    "tflite_int8": "int8 weights and activations calibrated on train examples; float32 "
                   "inputs and outputs; ops without an int8 kernel stay float",
}
assert set(VARIANT_NOTES) == set(DEVICE_VARIANTS)


def frozen_function(function: Any) -> Any:
    """A concrete function frozen to constants and pruned to what its outputs compute.

    tf.Transform's graph also computes features the device does not feed (e.g. the label
    lookup); its control dependencies would keep those ops, and their table resources, in
    the graph. Freezing inlines every call, and dropping control edges (there are no
    variables or side effects left to order) lets pruning remove them.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    frozen = convert_variables_to_constants_v2(function, aggressive_inlining=True)
    graph_def = frozen.graph.as_graph_def()
    for node in graph_def.node:
        data_inputs = [name for name in node.input if not name.startswith("^")]
        del node.input[:]
        node.input.extend(data_inputs)
    names = sorted(function.structured_outputs)  # flattened outputs follow sorted keys
    outputs = dict(zip(names, (t.name for t in frozen.outputs)))
    graph_def = tf.compat.v1.graph_util.extract_sub_graph(
        graph_def, [name.split(":")[0] for name in outputs.values()])
    arguments = len(tf.nest.flatten(function.structured_input_signature))
    inputs = [t.name for t in function.inputs[:arguments]]  # captured resources follow
    wrapped = tf.compat.v1.wrap_function(
        lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    graph = wrapped.graph
    return wrapped.prune(feeds=[graph.get_tensor_by_name(name) for name in inputs],
                         fetches={k: graph.get_tensor_by_name(v) for k, v in outputs.items()})


def convert(function: Any, variant: str,
            representative: Callable[[], Iterator[list[np.ndarray]]] | None = None) -> bytes:
    """The .tflite flatbuffer of one variant of a frozen function."""
    import tensorflow as tf

    if variant not in VARIANT_NOTES:
        raise ValueError(f"unknown device variant {variant!r}")
    # With a trackable object the converter goes through a SavedModel and names the
    # signature's inputs and outputs; the frozen function holds no variables to track.
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], tf.Module())
    if variant != "tflite_float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "tflite_float16":
        converter.target_spec.supported_types = [tf.float16]
    if variant == "tflite_int8":
        if representative is None:
            raise ValueError("tflite_int8 needs representative examples")
        converter.representative_dataset = representative
    return bytes(converter.convert())


def interpreter(model: bytes) -> Any:
    """ai-edge-litert's interpreter on one thread (as a phone app's default)."""
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_content=model, num_threads=1)


def run_per_example(model: bytes, inputs: dict[str, np.ndarray],
                    signature_inputs: dict[str, Any]) -> tuple[dict[str, np.ndarray], float]:
    """Run the model one example at a time; its outputs and mean seconds per example."""
    runner = interpreter(model).get_signature_runner()
    count = len(next(iter(inputs.values())))
    parts: list[dict[str, np.ndarray]] = []
    elapsed = 0.0
    for row in range(count):
        feed = {name: np.asarray(values[row:row + 1], dtype=signature_inputs[name].dtype
                                 .as_numpy_dtype)
                for name, values in inputs.items()}
        started = time.perf_counter()
        result = runner(**feed)
        elapsed += time.perf_counter() - started
        parts.append({k: np.array(v) for k, v in result.items()})
    if not parts:
        return {}, 0.0
    return ({k: np.concatenate([p[k] for p in parts]) for k in parts[0]},
            elapsed / count)


def representative_examples(inputs: dict[str, np.ndarray], count: int, seed: int,
                            specs: dict[str, Any]) -> Callable[[], Iterator[list[np.ndarray]]]:
    """A representative dataset: up to `count` seeded examples, one per call, in input order."""
    total = len(next(iter(inputs.values())))
    rows = np.random.default_rng(seed).permutation(total)[:count]
    names = sorted(inputs)  # from_concrete_functions orders inputs by the function's args

    def generate() -> Iterator[list[np.ndarray]]:
        for row in rows:
            yield [np.asarray(inputs[name][row:row + 1],
                              dtype=specs[name].dtype.as_numpy_dtype) for name in names]

    return generate
