"""TensorFlow.js: the device SavedModel converted by tensorflowjs in its own environment and
run in Node with @tensorflow/tfjs.

tensorflowjs 4.22 cannot share a venv with TensorFlow 2.21 (it requires
tensorflow-decision-forests, which pins TensorFlow 2.19), so `bash .ci/tfjs-env DIR` makes
DIR/venv (tensorflowjs with constraints-tfjs.txt) and DIR/node_modules (@tensorflow/tfjs), and
both are used here only as subprocesses.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

TFJS_DIR = "tfjs"  # the variant's folder: model.json plus weight shards

# Loads a graph model from files with the pure-JS CPU backend, runs it one example at a time
# on float32 inputs (raw little-endian files named in inputs.json) and writes each output.
NODE_SCRIPT = r"""
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
async function main() {
  const [dir, work] = process.argv.slice(2);
  const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const weightSpecs = model.weightsManifest.flatMap(g => g.weights);
  const data = Buffer.concat(model.weightsManifest.flatMap(g => g.paths)
    .map(p => fs.readFileSync(path.join(dir, p))));
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  await tf.setBackend('cpu');
  const graph = await tf.loadGraphModel(tf.io.fromMemory({...model, weightSpecs, weightData}));
  const signature = model.signature || {};
  const outputKeys = Object.keys(signature.outputs || {});
  const outputNames = outputKeys.map(k => signature.outputs[k].name.replace(/:0$/, ''));
  const inputs = JSON.parse(fs.readFileSync(path.join(work, 'inputs.json'), 'utf8'));
  const arrays = {};
  for (const [name, info] of Object.entries(inputs)) {
    const bytes = fs.readFileSync(path.join(work, info.file));
    const View = info.dtype === 'int32' ? Int32Array : Float32Array;
    arrays[name] = new View(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  const count = inputs[Object.keys(inputs)[0]].shape[0];
  const chunks = outputKeys.map(() => []);
  let elapsed = 0;
  for (let i = 0; i < count; i++) {
    const feed = {};
    for (const [name, info] of Object.entries(inputs)) {
      const size = info.shape.slice(1).reduce((a, b) => a * b, 1);
      feed[info.tensor] = tf.tensor(arrays[name].subarray(i * size, (i + 1) * size),
                                    [1, ...info.shape.slice(1)], info.dtype);
    }
    const started = process.hrtime.bigint();
    let outs = graph.execute(feed, outputNames);
    outs = Array.isArray(outs) ? outs : [outs];
    const values = outs.map(t => t.dataSync());
    elapsed += Number(process.hrtime.bigint() - started) / 1e9;
    values.forEach((v, k) => chunks[k].push(Float32Array.from(v)));
    tf.dispose([...Object.values(feed), ...outs]);
  }
  const result = {seconds_per_example: elapsed / Math.max(count, 1), outputs: {}};
  outputKeys.forEach((key, k) => {
    const joined = Buffer.concat(chunks[k].map(a => Buffer.from(a.buffer)));
    fs.writeFileSync(path.join(work, key + '.bin'), joined);
    result.outputs[key] = {file: key + '.bin', per_example: chunks[k][0] ? chunks[k][0].length : 0};
  });
  fs.writeFileSync(path.join(work, 'result.json'), JSON.stringify(result));
}
main().catch(e => { console.error(String(e && e.stack || e)); process.exit(1); });
"""


class TfjsFailed(RuntimeError):
    """The converter or the Node check failed."""


def converter_path(env: str) -> str:
    """tensorflowjs_converter inside a folder made by `.ci/tfjs-env`."""
    return os.path.join(env, "venv", "bin", "tensorflowjs_converter")


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env={**os.environ, **(env or {})})
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise TfjsFailed(f"{os.path.basename(command[0])} failed: "
                         f"{lines[-1] if lines else f'exit status {result.returncode}'}")


def convert(env: str, saved_model: str, output: str) -> float:
    """Convert the device SavedModel's serving_default to a graph model; returns seconds."""
    started = time.perf_counter()
    _run([converter_path(env), "--input_format=tf_saved_model",
          "--signature_name=serving_default", saved_model, output])
    return time.perf_counter() - started


def folder_size(path: str) -> int:
    """Bytes of every file under a folder."""
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def run_per_example(env: str, model_dir: str, inputs: dict[str, np.ndarray],
                    work: str) -> tuple[dict[str, np.ndarray], float]:
    """Run the graph model in Node one example at a time; outputs and seconds per example."""
    return run_per_example_batches(env, model_dir, [inputs], work)


def run_per_example_batches(env: str, model_dir: str, batches: Iterable[dict[str, np.ndarray]],
                            work: str) -> tuple[dict[str, np.ndarray], float]:
    """run_per_example over a stream of input batches, appended to the input files one batch
    at a time. Node reads each input file whole: one Node process (started once, as its
    start-up costs seconds) scores every example, so it holds the split's device inputs."""
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as handle:
        signature = json.load(handle).get("signature", {})
    described: dict[str, dict[str, Any]] = {}
    count = 0
    for inputs in batches:
        for name, values in inputs.items():
            integer = np.issubdtype(np.asarray(values).dtype, np.integer)
            array = np.ascontiguousarray(values, dtype="<i4" if integer else "<f4")
            with open(os.path.join(work, f"input_{name}.bin"), "wb" if not count else "ab") \
                    as handle:
                array.tofile(handle)
            tensor = signature.get("inputs", {}).get(name, {}).get("name", f"{name}:0")
            described[name] = {"file": f"input_{name}.bin",
                               "shape": [count + len(array), *array.shape[1:]],
                               "dtype": "int32" if integer else "float32",
                               "tensor": tensor.removesuffix(":0")}
        count += len(next(iter(inputs.values())))
    with open(os.path.join(work, "inputs.json"), "w", encoding="utf-8") as handle:
        json.dump(described, handle)
    script = os.path.join(work, "run_tfjs.js")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(NODE_SCRIPT)
    _run(["node", script, model_dir, work],
         env={"NODE_PATH": os.path.join(os.path.abspath(env), "node_modules")})
    with open(os.path.join(work, "result.json"), encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    outputs = {key: np.fromfile(os.path.join(work, info["file"]), dtype="<f4")
               .reshape(count, info["per_example"])
               for key, info in result["outputs"].items()}
    return outputs, float(result["seconds_per_example"])
