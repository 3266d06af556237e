"""TFLite: a device function frozen to the ops its outputs need, converted per variant, and run
in ai-edge-litert's interpreter."""
from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Iterator

import numpy as np

TFLITE_VARIANTS = ("tflite_float32", "tflite_float16", "tflite_dynamic_int8", "tflite_int8")


# Ops that need tf.Transform's lookup tables, which TFLite's built-in ops cannot run.
TABLE_OPS = {"LookupTableFindV2", "LookupTableSizeV2", "HashTableV2",
             "MutableHashTableV2", "InitializeTableFromTextFileV2", "InitializeTableV2"}


def frozen_preprocessing(function: Any) -> Any:
    """The transform part of the device function, frozen and pruned to the outputs TFLite runs.

    tf.Transform's graph also computes features the device does not feed (e.g. the label
    lookup) and orders them by control edges through NoOps; freezing inlines every call, and
    dropping those edges lets pruning keep only the outputs that need no lookup table.
    Returns a function of the same inputs with those outputs (a dict).
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    frozen = convert_variables_to_constants_v2(function, aggressive_inlining=True)
    graph_def = frozen.graph.as_graph_def()
    no_ops = {node.name for node in graph_def.node if node.op == "NoOp"}
    for node in graph_def.node:
        kept = [name for name in node.input if name.lstrip("^") not in no_ops]
        del node.input[:]
        node.input.extend(kept)
    names = sorted(function.structured_outputs)  # flattened outputs follow sorted keys
    outputs = {}
    for name, tensor in zip(names, frozen.outputs):
        needed = tf.compat.v1.graph_util.extract_sub_graph(graph_def, [tensor.op.name])
        if not any(node.op in TABLE_OPS or node.attr["dtype"].type == tf.resource
                   for node in needed.node):
            outputs[name] = tensor.name
    graph_def = tf.compat.v1.graph_util.extract_sub_graph(
        graph_def, [name.split(":")[0] for name in outputs.values()])
    arguments = len(tf.nest.flatten(function.structured_input_signature))
    inputs = [t.name for t in function.inputs[:arguments]]  # captured resources follow
    wrapped = tf.compat.v1.wrap_function(
        lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    graph = wrapped.graph
    return wrapped.prune(feeds=[graph.get_tensor_by_name(name) for name in inputs],
                         fetches={k: graph.get_tensor_by_name(v) for k, v in outputs.items()})


def freeze(function: Any) -> Any:
    """Variables as constants, also inside loop bodies (the converter leaves those as resource
    variables that nothing initializes on the device)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    frozen = convert_variables_to_constants_v2(function)
    names = sorted(function.structured_outputs)  # flattened outputs follow sorted keys
    arguments = tf.nest.flatten(function.structured_input_signature)

    def named(*tensors: Any) -> dict[str, Any]:
        return dict(zip(names, tf.nest.flatten(frozen(*tensors))))

    return tf.function(named, input_signature=arguments, autograph=False) \
        .get_concrete_function()


class ConversionFailed(RuntimeError):
    """The converter failed (or crashed) on one variant."""


def save_for_conversion(function: Any, directory: str) -> str:
    """The frozen device function as a SavedModel with one serving_default signature."""
    import tensorflow as tf

    tf.saved_model.save(tf.Module(), directory, signatures={"serving_default": function})
    return directory


def convert(saved_model: str, variant: str, representative: str | None = None) -> bytes:
    """The .tflite flatbuffer of one variant; `representative` is a .npz of example inputs."""
    import tensorflow as tf

    if variant not in TFLITE_VARIANTS:
        raise ValueError(f"unknown device variant {variant!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
    if variant != "tflite_float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "tflite_float16":
        converter.target_spec.supported_types = [tf.float16]
    if variant == "tflite_int8":
        if representative is None:
            raise ValueError("tflite_int8 needs representative examples")
        with np.load(representative) as data:
            arrays = {name: data[name] for name in data.files}
        count = len(next(iter(arrays.values())))

        def examples() -> Iterator[dict[str, np.ndarray]]:
            for row in range(count):
                yield {name: values[row:row + 1] for name, values in arrays.items()}

        converter.representative_dataset = examples
    return bytes(converter.convert())


def convert_isolated(saved_model: str, variant: str, representative: str | None,
                     output: str) -> float:
    """Run `convert` in a child interpreter, so a converter crash (full int8 calibration of
    recurrent layers segfaults in TF 2.21) fails one variant, not the run; returns seconds."""
    import subprocess
    import sys

    started = time.perf_counter()
    command = [sys.executable, "-m", "tfpipe.components.tflite", saved_model, variant,
               representative or "", output]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        cause = (f"converter crashed (signal {-result.returncode})" if result.returncode < 0
                 else (lines[-1] if lines else f"exit status {result.returncode}"))
        raise ConversionFailed(f"{variant}: {cause}")
    return time.perf_counter() - started


def interpreter(model: bytes) -> Any:
    """ai-edge-litert's interpreter on one thread (as a phone app's default)."""
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_content=model, num_threads=1)


def run_per_example(model: bytes, inputs: dict[str, np.ndarray],
                    signature_inputs: dict[str, Any]) -> tuple[dict[str, np.ndarray], float]:
    """Run the model one example at a time; its outputs and mean seconds per example."""
    return run_per_example_batches(model, [inputs], signature_inputs)


def run_per_example_batches(model: bytes, batches: Iterable[dict[str, np.ndarray]],
                            signature_inputs: dict[str, Any]
                            ) -> tuple[dict[str, np.ndarray], float]:
    """run_per_example over a stream of input batches (one batch in memory at a time)."""
    runner = interpreter(model).get_signature_runner()
    parts: list[dict[str, np.ndarray]] = []
    elapsed, count = 0.0, 0
    for inputs in batches:
        for row in range(len(next(iter(inputs.values())))):
            feed = {name: np.asarray(values[row:row + 1], dtype=signature_inputs[name].dtype
                                     .as_numpy_dtype)
                    for name, values in inputs.items()}
            started = time.perf_counter()
            result = runner(**feed)
            elapsed += time.perf_counter() - started
            parts.append({k: np.array(v) for k, v in result.items()})
            count += 1
    if not parts:
        return {}, 0.0
    return ({k: np.concatenate([p[k] for p in parts]) for k in parts[0]},
            elapsed / count)


def representative_rows(total: int, count: int, seed: int) -> np.ndarray:
    """The sorted row numbers of up to `count` seeded calibration examples among `total`."""
    return np.sort(np.random.default_rng(seed).permutation(total)[:count])


def write_representative(inputs: dict[str, np.ndarray], count: int, seed: int,
                         specs: dict[str, Any], path: str) -> str:
    """Up to `count` seeded examples of the device inputs as a .npz, for full int8."""
    rows = representative_rows(len(next(iter(inputs.values()))), count, seed)
    return save_representative({name: np.asarray(values)[rows]
                                for name, values in inputs.items()}, specs, path)


def save_representative(chosen: dict[str, np.ndarray], specs: dict[str, Any],
                        path: str) -> str:
    """The chosen calibration examples as a .npz in the device inputs' dtypes."""
    arrays: dict[str, Any] = {name: np.asarray(values, dtype=specs[name].dtype.as_numpy_dtype)
                              for name, values in chosen.items()}
    np.savez(path, **arrays)
    return path


def main(argv: list[str]) -> int:
    """`python -m tfpipe.components.tflite SAVED_MODEL VARIANT REPRESENTATIVE|'' OUTPUT`."""
    saved_model, variant, representative, output = argv
    flatbuffer = convert(saved_model, variant, representative or None)
    with open(output, "wb") as handle:
        handle.write(flatbuffer)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
