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
        results[name] = run_task(name, None, None, TINY[name], workdir, [], quiet=True)
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
def test_hooks_give_results_of_the_contracted_shapes(name, runs, tmp_path, edge_texts):
    import tensorflow as tf

    from tfpipe.components import tfrecords

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
    plots = hooks.plots(raw, {"candidate": predictions, **baselines}, str(tmp_path))
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
