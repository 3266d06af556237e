"""Device export end to end on tiny data: variants converted, scored, gated and published."""
from __future__ import annotations

import glob
import json
import os
import re

import numpy as np
import pytest

pytest.importorskip("ai_edge_litert", reason="the `lite` extra (ai-edge-litert) is not installed")

from tfpipe.components.device_export import variant_row  # noqa: E402
from tfpipe.components.device_publish import PUBLISHED_DIR, publish_device_models  # noqa: E402
from tfpipe.local_run import run_task  # noqa: E402
from tfpipe.pipelines.vision.features import IMAGE_KEY, IMAGE_SHAPE_KEY  # noqa: E402

pytestmark = pytest.mark.slow
VISION = ["conv_filters=[8,16]", "dense_units=16", "epochs=8", "batch_size=8",
          "eval_fraction=0.25", "exports=tflite_float32,tflite_float16,tflite_int8"]
FORECASTING = ["window_size=12", "model=dense", "ensemble_size=1", "epochs=30", "units=16",
               "exports=tflite_float32,tflite_dynamic_int8,tflite_int8"]


def newest(workdir: str, pipeline: str, component: str) -> str:
    """The newest artifact folder of one component."""
    found = glob.glob(os.path.join(workdir, "artifacts", pipeline, component, "*",
                                   "artifact.json"))
    return os.path.dirname(max(found, key=os.path.getmtime))


def exports_table(workdir: str, pipeline: str) -> dict:
    path = os.path.join(newest(workdir, pipeline, "device_export"), "device_evaluation",
                        "exports.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def interpreter_outputs(path: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run a .tflite file one example at a time through ai-edge-litert."""
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=path).get_signature_runner()
    rows = [runner(**{k: v[i:i + 1] for k, v in inputs.items()})
            for i in range(len(next(iter(inputs.values()))))]
    return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}


@pytest.fixture(scope="module")
def vision_run(tmp_path_factory) -> dict:
    """The quadrant digits (4 classes, 8x8 grey) with three device variants."""
    from tests.pipelines.vision.conftest import digit_like

    images, labels = digit_like(96)
    data = str(tmp_path_factory.mktemp("data") / "quadrants.npz")
    np.savez(data, x=images, y=labels)
    workdir = str(tmp_path_factory.mktemp("vision-devices"))
    return run_task("vision", data, None, VISION, workdir, [], quiet=True)


@pytest.fixture(scope="module")
def forecasting_run(tmp_path_factory) -> dict:
    """A noisy sine with a dense model and three device variants."""
    steps = np.arange(300)
    values = 50 + 20 * np.sin(2 * np.pi * steps / 12) + np.random.default_rng(0).normal(0, 1, 300)
    data = str(tmp_path_factory.mktemp("data") / "series.csv")
    with open(data, "w", encoding="utf-8") as handle:
        handle.write("time,value\n" + "".join(f"{t},{v:.4f}\n" for t, v in zip(steps, values)))
    workdir = str(tmp_path_factory.mktemp("forecasting-devices"))
    return run_task("forecasting", data, None, FORECASTING, workdir, [], quiet=True)


def test_vision_variants_are_converted_scored_and_the_passing_ones_published(vision_run):
    assert vision_run["blessed"], vision_run["reason"]
    table = exports_table(vision_run["workdir"], "vision")
    assert [row["variant"] for row in table["variants"]] == [
        "tflite_float32", "tflite_float16", "tflite_int8"]
    saved = vision_run["metrics"]["candidate"]["accuracy"]
    assert table["saved_model_value"] == saved and table["eval_examples"] == 24
    summary = vision_run["device_exports"]
    for row in table["variants"]:
        assert row["size_bytes"] > 0 and row["latency_ms_per_example"] > 0
        assert row["difference"] == pytest.approx(row["accuracy"] - saved)
        assert row["passed"] == (row["accuracy"] >= saved * (1 - 0.01))
        assert summary[row["variant"]]["size_bytes"] == row["size_bytes"]
        assert summary[row["variant"]]["accuracy"] == row["accuracy"]
        assert summary[row["variant"]]["published"] == row["passed"]
    sizes = {row["variant"]: row["size_bytes"] for row in table["variants"]}
    assert sizes["tflite_int8"] < sizes["tflite_float16"] < sizes["tflite_float32"]
    published = os.path.join(vision_run["serving_path"], PUBLISHED_DIR)
    passed = [row["file"] for row in table["variants"] if row["passed"]]
    assert passed, table
    assert sorted(os.listdir(published)) == sorted(
        passed + ["labels.txt", "device_model.json", "exports.json"])
    with open(os.path.join(published, "labels.txt"), encoding="utf-8") as handle:
        assert sorted(handle.read().split()) == ["0", "1", "2", "3"]  # probability order
    with open(os.path.join(published, "device_model.json"), encoding="utf-8") as handle:
        description = json.load(handle)
    assert description["inputs"]["pixels"]["shape"] == [1, 8, 8, 1]
    assert description["inputs"]["pixels"]["dtype"] == "float32"
    assert description["outputs"]["probabilities"]["shape"] == [1, 4]
    assert "labels.txt" in description["outputs"]["probabilities"]["meaning"]


def test_mlflow_holds_the_variant_table_and_the_published_files(vision_run):
    from tfpipe.mlflow_artifacts import client_for

    workdir = vision_run["workdir"]
    client = client_for(f"sqlite:///{os.path.join(workdir, 'mlflow.db')}",
                        os.path.join(workdir, "mlartifacts"))
    registered = vision_run["registered_model"]
    version = client.get_model_version(registered["name"], registered["version"])
    # the registered pyfunc model carries the pushed version folder (named by its number)
    folder = os.path.basename(vision_run["serving_path"])
    device = f"model/artifacts/{folder}/assets.extra/device"
    listed = [a.path for a in client.list_artifacts(version.run_id, device)]
    table = exports_table(workdir, "vision")
    for row in table["variants"]:
        assert (f"{device}/{row['file']}" in listed) == row["passed"]
    assert f"{device}/labels.txt" in listed
    experiment = client.get_run(version.run_id).info.experiment_id
    runs = client.search_runs([experiment], filter_string="tags.`tfpipe.component` = 'device_export'")
    metrics = runs[0].data.metrics
    assert metrics["tflite_int8_size_bytes"] == next(
        r["size_bytes"] for r in table["variants"] if r["variant"] == "tflite_int8")
    assert {"tflite_float16_accuracy", "tflite_float16_difference",
            "tflite_float16_latency_ms"} <= set(metrics)
    assert [a.path for a in client.list_artifacts(runs[0].info.run_id, "plots")] == [
        "plots/exports.json"]


def test_vision_interpreter_matches_the_saved_model(vision_run):
    from tfpipe.components import tfrecords
    from tfpipe.components.scoring import call_batched, load_signature
    from tfpipe.pipelines.vision.features import raw_feature_spec
    from tfpipe.pipelines.vision.serving import encode_png_batch

    raw = tfrecords.load_split(newest(vision_run["workdir"], "vision", "ingest") + "/examples",
                               "eval", raw_feature_spec((8, 8), 1))
    saved = call_batched(load_signature(vision_run["serving_path"]),
                         {"image_bytes": encode_png_batch(raw[IMAGE_KEY], raw[IMAGE_SHAPE_KEY])})
    pixels = np.asarray(raw[IMAGE_KEY], np.float32).reshape(-1, 8, 8, 1)
    folder = os.path.join(newest(vision_run["workdir"], "vision", "device_export"),
                          "device_evaluation", "device")
    device = interpreter_outputs(os.path.join(folder, "tflite_float32.tflite"),
                                 {"pixels": pixels})
    np.testing.assert_allclose(device["probabilities"], saved["probabilities"], atol=1e-5)
    int8 = interpreter_outputs(os.path.join(folder, "tflite_int8.tflite"), {"pixels": pixels})
    np.testing.assert_allclose(int8["probabilities"], saved["probabilities"], atol=0.1)


def test_a_too_tight_tolerance_refuses_every_variant(vision_run, tmp_path):
    workdir = vision_run["workdir"]
    result = run_task("vision", vision_run_data(workdir), None,
                      VISION + ["export_tolerance=-0.5", f"serving_dir={tmp_path / 'serving'}"],
                      workdir, [], quiet=True)
    assert result["blessed"] and result["pushed_version"] == 1
    assert not any(row["published"] for row in result["device_exports"].values())
    table = exports_table(workdir, "vision")
    assert not any(row["passed"] for row in table["variants"])
    assert all(row["threshold"] > row["accuracy"] for row in table["variants"])
    assert not os.path.exists(os.path.join(result["serving_path"], PUBLISHED_DIR))
    assert "device_export" in result["ran"] and "train" in result["cached"]


def vision_run_data(workdir: str) -> str:
    """The data path the module's vision run read (from ingest's artifact.json)."""
    with open(os.path.join(newest(workdir, "vision", "ingest"), "artifact.json"),
              encoding="utf-8") as handle:
        return json.load(handle)["params"]["data"]


def test_forecasting_device_model_takes_raw_windows(forecasting_run):
    from tfpipe.components import tfrecords
    from tfpipe.components.scoring import call_batched, load_signature
    from tfpipe.pipelines.forecasting import ForecastingSettings
    from tfpipe.pipelines.forecasting.preprocessing import raw_feature_spec

    workdir = forecasting_run["workdir"]
    table = exports_table(workdir, "forecasting")
    assert table["metric"] == "mae"
    rows = {row["variant"]: row for row in table["variants"]}
    assert set(rows) == {"tflite_float32", "tflite_dynamic_int8", "tflite_int8"}
    for row in rows.values():
        assert row["passed"] == (row["mae"] <= table["saved_model_value"] * 1.01)
    raw = tfrecords.load_split(newest(workdir, "forecasting", "ingest") + "/examples", "eval",
                               raw_feature_spec(ForecastingSettings(window_size=12)))
    model = newest(workdir, "forecasting", "train") + "/model"
    saved = call_batched(load_signature(model), {"window": raw["window"]})["forecast"]
    folder = os.path.join(newest(workdir, "forecasting", "device_export"),
                          "device_evaluation", "device")
    device = interpreter_outputs(os.path.join(folder, "tflite_float32.tflite"),
                                 {"window": np.asarray(raw["window"], np.float32)})
    np.testing.assert_allclose(device["forecast"], saved, rtol=1e-4, atol=1e-3)


def test_gate_uses_the_metric_direction():
    lower = variant_row("tflite_int8", 10, "mae", 10.2, 10.0, 0.01, 1.0, 0.001)
    assert not lower["passed"] and lower["threshold"] == pytest.approx(10.1)
    assert variant_row("tflite_int8", 10, "mae", 10.05, 10.0, 0.01, 1.0, 0.001)["passed"]
    higher = variant_row("tflite_int8", 10, "accuracy", 0.97, 0.99, 0.01, 1.0, 0.001)
    assert not higher["passed"] and higher["difference"] == pytest.approx(-0.02)
    assert variant_row("tflite_int8", 10, "accuracy", 0.985, 0.99, 0.01, 1.0, 0.001)["passed"]


def test_publish_copies_only_passing_variants(tmp_path):
    evaluation, version = tmp_path / "evaluation", tmp_path / "serving" / "m" / "1"
    (evaluation / "device").mkdir(parents=True)
    version.mkdir(parents=True)
    for name in ("tflite_float16.tflite", "tflite_int8.tflite", "labels.txt"):
        (evaluation / "device" / name).write_bytes(b"x")
    (evaluation / "device" / "device_model.json").write_text(json.dumps({"files": ["labels.txt"]}))
    (evaluation / "exports.json").write_text(json.dumps({"variants": [
        {"variant": "tflite_float16", "file": "tflite_float16.tflite", "passed": True},
        {"variant": "tflite_int8", "file": "tflite_int8.tflite", "passed": False}]}))
    assert publish_device_models(str(evaluation), str(version)) == ["tflite_float16"]
    assert sorted(os.listdir(version / PUBLISHED_DIR)) == [
        "device_model.json", "exports.json", "labels.txt", "tflite_float16.tflite"]
    assert not [p for p in os.listdir(version / "assets.extra") if p.startswith("device.tmp")]
    # no device export in the evaluation: nothing published
    assert publish_device_models(str(tmp_path / "elsewhere"), str(version)) == []


def test_tfjs_variant_is_converted_in_its_own_venv_and_checked_in_node(vision_run, tmp_path):
    env = os.environ.get("TFPIPE_TFJS_ENV", "")
    if not env:
        pytest.skip("TFPIPE_TFJS_ENV is not set (make one with `bash .ci/tfjs-env DIR`)")
    from tfpipe.components import tfjs, tfrecords
    from tfpipe.components.scoring import call_batched, load_signature
    from tfpipe.pipelines.vision.features import raw_feature_spec
    from tfpipe.pipelines.vision.serving import encode_png_batch

    workdir = vision_run["workdir"]
    result = run_task("vision", vision_run_data(workdir), None,
                      VISION[:-1] + ["exports=tfjs", f"tfjs_env={env}",
                                     f"serving_dir={tmp_path / 'serving'}"],
                      workdir, [], quiet=True)
    row = result["device_exports"]["tfjs"]
    assert row["passed"] and row["published"] and row["size_bytes"] > 0
    assert row["accuracy"] == pytest.approx(vision_run["metrics"]["candidate"]["accuracy"])
    published = os.path.join(result["serving_path"], PUBLISHED_DIR, "tfjs")
    assert os.path.isfile(os.path.join(published, "model.json"))
    raw = tfrecords.load_split(newest(workdir, "vision", "ingest") + "/examples", "eval",
                               raw_feature_spec((8, 8), 1))
    saved = call_batched(load_signature(result["serving_path"]),
                         {"image_bytes": encode_png_batch(raw[IMAGE_KEY], raw[IMAGE_SHAPE_KEY])})
    pixels = np.asarray(raw[IMAGE_KEY], np.float32).reshape(-1, 8, 8, 1)
    outputs, seconds = tfjs.run_per_example(env, published, {"pixels": pixels},
                                            str(tmp_path / "node"))
    np.testing.assert_allclose(outputs["probabilities"], saved["probabilities"], atol=1e-5)
    assert seconds > 0


def test_tfjs_without_its_environment_is_refused_at_config_time(tmp_path):
    from tfpipe.errors import InputError

    with pytest.raises(InputError, match="tfjs_env=.*bash .ci/tfjs-env DIR"):
        run_task("vision", str(tmp_path / "none.npz"), None,
                 ["exports=tfjs", f"tfjs_env={tmp_path}"], str(tmp_path / "w"), [], quiet=True)


def test_text_device_model_takes_token_ids_from_the_shipped_vocabulary(tmp_path):
    from tfpipe.components import tfrecords
    from tfpipe.components.scoring import call_batched, load_signature
    from tfpipe.pipelines.text.features import raw_feature_spec

    workdir = str(tmp_path / "text")
    result = run_task("text", None, None, ["epochs=3", "exports=tflite_float32,tflite_int8"],
                      workdir, [], quiet=True)
    assert result["blessed"], result["reason"]
    published = os.path.join(result["serving_path"], PUBLISHED_DIR)
    with open(os.path.join(published, "device_model.json"), encoding="utf-8") as handle:
        described = json.load(handle)["inputs"]["token_ids"]
    assert described["dtype"] == "int32" and described["shape"][0] == 1
    with open(os.path.join(published, "vocabulary.txt"), encoding="utf-8") as handle:
        vocabulary = handle.read().split("\n")[:-1]
    raw = tfrecords.load_split(newest(workdir, "text", "ingest") + "/examples", "eval",
                               raw_feature_spec("text"))
    texts = [t.decode("utf-8") for t in raw["text"][:20]]
    length = described["shape"][1]
    oov = len(vocabulary) + 1
    ids = np.zeros((len(texts), length), np.int32)  # an app's tokenizer, from the files alone
    for row, text in enumerate(texts):
        text = re.sub(r"<[^>]*>|&(?:[a-zA-Z]+|#[0-9]+|#[xX][0-9a-fA-F]+);", " ", text)
        words = re.sub(r"[^\w\s]|_", " ", re.sub("['\u2019`]", "", text.lower())).split()
        for col, word in enumerate(words[:length]):
            ids[row, col] = vocabulary.index(word) + 1 if word in vocabulary else oov
    device = interpreter_outputs(os.path.join(published, "tflite_float32.tflite"),
                                 {"token_ids": ids})
    saved = call_batched(load_signature(result["serving_path"]), {"text": raw["text"][:20]})
    np.testing.assert_allclose(device["probabilities"], saved["probabilities"], atol=1e-5)
