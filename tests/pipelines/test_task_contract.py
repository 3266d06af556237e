"""One contract over every registered task: its hooks, its model on tiny data, its signatures."""
from __future__ import annotations

import json
import math
import os
import textwrap

import numpy as np
import pytest

from tfpipe import registry
from tfpipe.local_run import run_task
from tfpipe.settings import Settings
from tfpipe.task import Task, TaskInfo, required_hooks

# Per task: settings that make one pipeline run on its embedded default data take seconds.
TINY = {
    "forecasting": ["model=dense", "units=8", "ensemble_size=1", "epochs=2", "window_size=12"],
    "vision": ["image_size=8", "conv_filters=[4]", "dense_units=8", "epochs=1"],
    "text": ["model=pooled", "epochs=1", "dense_units=4"],
    "text-generation": ["units=8", "epochs=1"],
}


# Tiny models rarely pass their thresholds: a forced blessing pushes every task's model, so
# the serving checks below run on what TF Serving would load.
PUSHED = ["force_bless=contract test: every task's model is pushed"]


def test_every_registered_task_has_tiny_settings_here():
    assert sorted(TINY) == registry.task_names()


@pytest.mark.parametrize("name", registry.task_names())
def test_task_info_is_complete(name):
    info = registry.task_info(name)
    hooks = registry.load_task(name)
    assert isinstance(hooks, Task) and hooks.info is info
    assert info.summary and info.primary_metric == info.primary_metric.lower()
    keys = set(info.defaults)
    for component, group in info.param_groups.items():
        assert component in {"ingest", "transform", "train", "evaluate"}, component
        assert set(group) <= keys, (component, sorted(set(group) - keys))


def test_a_task_missing_a_required_hook_is_refused_naming_it(tmp_path, monkeypatch):
    (tmp_path / "broken_task.py").write_text(textwrap.dedent("""
        from tfpipe.pipelines.forecasting.task import ForecastingTask
        from tfpipe.task import Task

        class Broken(Task):
            info = ForecastingTask.info
            default_data = ForecastingTask.default_data
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = TaskInfo(name="broken", settings=Settings, param_groups={},
                      primary_metric="mae", implementation="broken_task:Broken")
    monkeypatch.setattr(registry, "task_infos", lambda: {"broken": broken})
    registry.load_task.cache_clear()
    try:
        with pytest.raises(TypeError, match="misses required hooks: .*build_model.*metrics"):
            registry.load_task("broken")
    finally:
        registry.load_task.cache_clear()
    assert "metrics" in required_hooks() and "plots" not in required_hooks()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict]:
    """Each registered task run once on its default data with tiny settings."""
    results = {}
    for name in registry.task_names():
        workdir = str(tmp_path_factory.mktemp(name))
        results[name] = run_task(name, None, None, TINY[name] + PUSHED, workdir, [], quiet=True)
    return results


def artifact_dir(result: dict, component: str) -> str:
    """The one finished artifact folder of a component in a run's workdir."""
    root = os.path.join(result["workdir"], "artifacts", result["task"], component)
    (name,) = [entry for entry in os.listdir(root) if not entry.startswith(".")]
    return os.path.join(root, name)


def component_params(result: dict, component: str) -> dict:
    """The task params a component ran with, from its artifact.json."""
    with open(os.path.join(artifact_dir(result, component), "artifact.json")) as handle:
        return json.load(handle)["params"]["params"]


def first_dimension(value) -> int:
    """Length of an array-like's first axis."""
    return int(np.shape(np.asarray(value))[0])


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.task_names())
def test_ingest_progress_estimate_is_the_number_of_records_read(name, runs):
    with open(os.path.join(artifact_dir(runs[name], "ingest"), "artifact.json")) as handle:
        ingest = json.load(handle)
    metrics, params = ingest["report"]["metrics"], ingest["params"]
    read = metrics["train_examples"] + metrics["eval_examples"] + metrics["quarantined"]
    estimate = registry.load_task(name).expected_examples(params["data"], params["params"])
    assert estimate == read


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.task_names())
def test_hooks_give_results_of_the_contracted_shapes(name, runs, tmp_path, edge_texts,
                                                     monkeypatch):
    import tensorflow as tf

    from tfpipe import figures
    from tfpipe.components import eval_stream, tfrecords

    result, hooks = runs[name], registry.load_task(name)
    params = {**component_params(result, "train"), **component_params(result, "evaluate")}
    raw = tfrecords.load_split(os.path.join(artifact_dir(result, "ingest"), "examples"), "eval",
                               hooks.raw_feature_spec(params))
    inputs = hooks.eval_inputs(raw)
    count = first_dimension(next(iter(inputs.values())))
    assert count > 0
    assert first_dimension(hooks.eval_labels(raw)) == count

    model = tf.saved_model.load(os.path.join(artifact_dir(result, "train"), "model"))
    assert {"serving_default", "serving_examples"} <= set(model.signatures)
    outputs = {key: value.numpy() for key, value in
               model.signatures["serving_default"](**{k: tf.constant(v)
                                                      for k, v in inputs.items()}).items()}
    assert all(first_dimension(value) == count for value in outputs.values()), outputs.keys()
    predictions = hooks.eval_predictions(outputs)
    assert first_dimension(predictions) == count

    metrics = hooks.metrics(hooks.eval_labels(raw), predictions)
    assert hooks.info.primary_metric in metrics
    assert all(key == key.lower() and math.isfinite(value) for key, value in metrics.items()), \
        metrics
    stats_dir = os.path.join(artifact_dir(result, "ingest"), "statistics")
    with open(os.path.join(stats_dir, "summary.json"), encoding="utf-8") as handle:
        baselines = hooks.baselines(raw, json.load(handle), params)
    assert baselines and all(first_dimension(v) == count for v in baselines.values())
    scored = {key: hooks.metrics(hooks.eval_labels(raw), v) for key, v in baselines.items()}
    checks = hooks.value_checks(metrics, scored, params)
    assert isinstance(checks, list) and checks
    # The plots read only the columns the task lists (evaluate keeps those while scoring), as
    # evaluate hands them over; what they send the figure helper is plain data, which it
    # rebuilds without importing anything (a TensorFlow object made it import TensorFlow).
    listed = {column: raw[column] for column in hooks.plot_columns}
    columns = eval_stream.Columns(os.path.join(artifact_dir(result, "ingest"), "examples"),
                                  "eval", hooks.raw_feature_spec(params), listed)
    drawn = []
    save = figures.save
    monkeypatch.setattr(figures, "save", lambda draw, args, path, dpi=100: (
        drawn.append(figures.plain_pickle(tuple(args))), save(draw, args, path, dpi)))
    plots = hooks.plots(columns, {"candidate": predictions, **baselines}, str(tmp_path))
    assert plots and len(drawn) == len(plots)
    assert all(os.path.isfile(os.path.join(tmp_path, plot)) for plot in plots)

    # Every text input a task serves answers empty, blank, very long and non-ASCII strings
    # with finite numbers.
    spec = hooks.serving_input_spec(params)
    texts = [key for key, value in spec.items() if value.dtype == tf.string
             and key != "image_bytes"]
    for key in texts:
        edge = {k: tf.constant(edge_texts) if k == key else tf.constant(
            np.resize(v, (len(edge_texts),) + np.shape(v)[1:])) for k, v in inputs.items()}
        answered = model.signatures["serving_default"](**edge)
        for output, value in answered.items():
            value = value.numpy()
            assert first_dimension(value) == len(edge_texts), output
            if np.issubdtype(value.dtype, np.number):
                assert np.all(np.isfinite(value)), (name, output)


def eval_inputs(result: dict) -> dict:
    """serving_default inputs of a run's eval split."""
    from tfpipe.components import tfrecords

    hooks = registry.load_task(result["task"])
    params = {**component_params(result, "train"), **component_params(result, "evaluate")}
    raw = tfrecords.load_split(os.path.join(artifact_dir(result, "ingest"), "examples"), "eval",
                               hooks.raw_feature_spec(params))
    return hooks.eval_inputs(raw)


def assert_same_outputs(got: dict, expected: dict) -> None:
    """Equal keys; numbers within float tolerance, strings exactly."""
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        value, other = np.asarray(value), np.asarray(got[key])
        if value.dtype.kind in "fc":
            np.testing.assert_allclose(other, value, rtol=1e-5, atol=1e-6, err_msg=key)
        else:
            np.testing.assert_array_equal(other, value, err_msg=key)


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.task_names())
def test_pushed_version_carries_warmup_requests_that_replay(name, runs):
    import tensorflow as tf

    from tfpipe.components.warmup import read_warmup_requests

    result = runs[name]
    assert result["pushed_version"] == 1, result["reason"]
    requests = read_warmup_requests(result["serving_path"])
    inputs = eval_inputs(result)
    assert len(requests) == min(3, first_dimension(next(iter(inputs.values()))))
    signature = tf.saved_model.load(result["serving_path"]).signatures["serving_default"]
    for index, request in enumerate(requests):
        assert request.model_spec.name == registry.task_info(name).default_model_name
        assert request.model_spec.signature_name == "serving_default"
        sent = {key: tf.make_ndarray(proto) for key, proto in request.inputs.items()}
        for key, value in sent.items():
            np.testing.assert_array_equal(value, np.asarray(inputs[key][index:index + 1]))
        replayed = {k: v.numpy() for k, v in signature(**sent).items()}
        direct = {k: v.numpy() for k, v in signature(**{
            key: tf.constant(value[index:index + 1], dtype=signature.structured_input_signature[
                1][key].dtype) for key, value in inputs.items()}).items()}
        assert_same_outputs(replayed, direct)


def core_op_names(names: list[str]) -> set[str]:
    """Which of `names` a fresh interpreter that imports only TensorFlow has registered."""
    import subprocess
    import sys

    probe = ("import json, sys\nimport tensorflow\n"
             "from tensorflow.python.framework import op_def_registry\n"
             "names = json.load(sys.stdin)\n"
             "print(json.dumps([n for n in names if op_def_registry.get(n) is not None]))")
    out = subprocess.run([sys.executable, "-c", probe], input=json.dumps(names),
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def synthetic_feed(info) -> np.ndarray:
    """A value for a TensorInfo: two rows per unknown dimension; text, small ints, zeros."""
    import tensorflow as tf

    shape = [2 if d.size < 0 else d.size for d in info.tensor_shape.dim]
    dtype = tf.dtypes.as_dtype(info.dtype)
    if dtype == tf.string:
        return np.full(shape, b"the", dtype=object)
    if dtype.is_integer:
        return np.full(shape, 3, dtype=dtype.as_numpy_dtype)
    return np.zeros(shape, dtype=dtype.as_numpy_dtype)


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.task_names())
def test_pushed_version_runs_like_tf_serving_in_a_graph_session_on_core_ops(name, runs):
    """SavedModelBundle's way: a v1 session, tag `serve`, signatures by tensor names only."""
    import tensorflow as tf

    from tfpipe.components import tfrecords

    result = runs[name]
    path = result["serving_path"]
    inputs = eval_inputs(result)
    files = tfrecords.split_files(os.path.join(artifact_dir(result, "ingest"), "examples"),
                                  "eval")
    serialized = np.array([r.numpy() for r in tf.data.TFRecordDataset(
        files, compression_type="GZIP").take(4)], dtype=object)
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], path)
        signatures = {k: v for k, v in meta.signature_def.items() if not k.startswith("__")}
        assert {"serving_default", "serving_examples"} <= set(signatures)
        feeds = {}
        for key, signature in signatures.items():
            if key == "serving_default":
                feeds[key] = {k: np.asarray(v[:4]) for k, v in inputs.items()}
            elif key == "serving_examples":
                feeds[key] = {"examples": serialized}
            else:
                feeds[key] = {k: synthetic_feed(v) for k, v in signature.inputs.items()}
        in_graph = {}
        for key, signature in signatures.items():
            fetches = {k: v.name for k, v in signature.outputs.items()}
            feed = {signature.inputs[k].name: v for k, v in feeds[key].items()}
            in_graph[key] = session.run(fetches, feed_dict=feed)
        graph_def = meta.graph_def
    eager = tf.saved_model.load(path).signatures
    for key, feed in feeds.items():
        specs = eager[key].structured_input_signature[1]
        expected = {k: v.numpy() for k, v in eager[key](**{
            k: tf.constant(v, dtype=specs[k].dtype) for k, v in feed.items()}).items()}
        assert_same_outputs(in_graph[key], expected)
    functions = {f.signature.name for f in graph_def.library.function}
    ops = {node.op for node in graph_def.node}
    ops |= {node.op for f in graph_def.library.function for node in f.node_def}
    ops -= functions
    assert ops and sorted(ops - core_op_names(sorted(ops))) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.task_names())
def test_registered_champion_is_an_mlflow_model_answering_like_serving_default(
        name, runs, mlflow_store):
    import mlflow
    import tensorflow as tf

    result = runs[name]
    model_name = registry.task_info(name).default_model_name
    mlflow_store(f"sqlite:///{result['workdir']}/mlflow.db")
    model = mlflow.pyfunc.load_model(f"models:/{model_name}@champion")
    inputs = {k: np.asarray(v[:4]) for k, v in eval_inputs(result).items()}
    assert sorted(model.metadata.signature.inputs.input_names()) == sorted(inputs)
    predicted = model.predict(inputs)
    signature = tf.saved_model.load(result["serving_path"]).signatures["serving_default"]
    specs = signature.structured_input_signature[1]
    served = {k: v.numpy() for k, v in signature(**{
        k: tf.constant(v, dtype=specs[k].dtype) for k, v in inputs.items()}).items()}
    as_text = {k: np.vectorize(lambda b: b.decode("utf-8", "replace"), otypes=[object])(v)
               if v.dtype.kind in "OS" else v for k, v in served.items()}
    assert_same_outputs(predicted, as_text)


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.task_names())
def test_tfpipe_predict_over_rest_and_grpc_answers_like_serving_default(name, runs, capsys):
    """Against the loopback stand-ins for TF Serving (its binary cannot run here); the request
    is the push's input_example.json, with images as {"b64": ...}."""
    import tensorflow as tf

    from tfpipe.cli import main
    from tfpipe.serving.rest_json import decode_value, to_array
    from tfpipe.serving.standin import ServedModels, start_grpc_server, start_rest_server

    result = runs[name]
    model_name = registry.task_info(name).default_model_name
    example = os.path.join(artifact_dir(result, "push"), "pushed_model", "input_example.json")
    with open(example) as handle:
        sent = json.load(handle)["inputs"]
    signature = tf.saved_model.load(result["serving_path"]).signatures["serving_default"]
    specs = signature.structured_input_signature[1]
    expected = {k: v.numpy() for k, v in signature(**{
        k: tf.constant(to_array(v, specs[k].dtype.as_numpy_dtype), dtype=specs[k].dtype)
        for k, v in sent.items()}).items()}
    served = ServedModels(os.path.join(result["workdir"], "serving"))
    grpc_server, grpc_port = start_grpc_server(served)
    rest_server, rest_port = start_rest_server(served)
    try:
        for how in (["--grpc", f"127.0.0.1:{grpc_port}"],
                    ["--rest", f"http://127.0.0.1:{rest_port}", "--label", "stable"]):
            capsys.readouterr()
            assert main(["predict", model_name, *how, "--input", example]) == 0
            outputs = json.loads(capsys.readouterr().out)["outputs"]
            if len(expected) == 1 and not isinstance(outputs, dict):
                outputs = {next(iter(expected)): outputs}  # REST names no single output
            got = {k: np.asarray(decode_value(v), dtype=expected[k].dtype)
                   for k, v in outputs.items()}
            assert_same_outputs(got, expected)
    finally:
        grpc_server.stop(grace=None)
        rest_server.shutdown()
