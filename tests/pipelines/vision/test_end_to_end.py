"""The vision pipeline end to end on tiny fixture folders: sigmoid model, quarantine, serving."""
from __future__ import annotations

import glob
import json
import os

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe.local_run import run_task

from .conftest import add_bad_files, make_colour_folder

pytestmark = pytest.mark.slow
FAST = ["image_size=16", "conv_filters=[8,16]", "dense_units=16", "epochs=6", "batch_size=8",
        "eval_fraction=0.25", "max_bad_fraction=0.2"]


def run(data: str, workdir: str, extra: list[str] = ()) -> dict:
    return run_task("vision", data, None, FAST + list(extra), workdir, [], quiet=True)


def artifact(result: dict, component: str) -> str:
    """The newest artifact folder of one component of the run."""
    found = glob.glob(os.path.join(result["workdir"], "artifacts", "vision", component, "*",
                                   "artifact.json"))
    return os.path.dirname(max(found, key=os.path.getmtime))


@pytest.fixture(scope="module")
def colour_data(tmp_path_factory) -> tuple[str, dict[str, str]]:
    """20 red and 20 blue images of assorted sizes, plus three bad files."""
    root = make_colour_folder(str(tmp_path_factory.mktemp("data") / "colours"), per_class=20)
    return root, add_bad_files(root)


@pytest.fixture(scope="module")
def colour_run(colour_data, tmp_path_factory) -> dict:
    return run(colour_data[0], str(tmp_path_factory.mktemp("vision-work")))


def test_two_colour_classes_train_a_sigmoid_model_that_is_pushed(colour_run):
    import keras

    assert colour_run["blessed"], colour_run["reason"]
    assert colour_run["pushed_version"] == 1
    candidate = colour_run["metrics"]["candidate"]
    assert candidate["accuracy"] > colour_run["metrics"]["baselines"]["majority"]["accuracy"]
    assert {"precision_red", "recall_blue", "macro_precision"} <= set(candidate)
    model = keras.models.load_model(os.path.join(colour_run["serving_path"], "assets.extra",
                                                 "model.keras"), compile=False)
    assert tuple(model.inputs[0].shape[1:]) == (16, 16, 3)
    assert model.output_shape == (None, 1)
    assert model.layers[-1].activation.__name__ == "sigmoid"
    evaluation = os.path.join(artifact(colour_run, "evaluate"), "evaluation")
    assert os.path.isfile(os.path.join(evaluation, "confusion_matrix_candidate.png"))


def test_bad_files_are_quarantined_with_reasons_and_the_rest_train(colour_run, colour_data):
    root, bad = colour_data
    ingest = artifact(colour_run, "ingest")
    with open(os.path.join(ingest, "examples", "quarantine.jsonl"), encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    reasons = {r["source"]: r["reason"] for r in records}
    assert set(reasons) == set(bad)
    assert reasons[os.path.join(root, "red", "zz_empty.png")] == "empty file (0 bytes)"
    assert reasons[os.path.join(root, "blue", "zz_truncated.png")].startswith(
        "truncated or corrupt image")
    assert reasons[os.path.join(root, "red", "zz_notes.jpg")].startswith("not an image")
    with open(os.path.join(ingest, "artifact.json"), encoding="utf-8") as handle:
        metrics = json.load(handle)["report"]["metrics"]
    assert metrics["quarantined"] == 3
    assert metrics["train_examples"] + metrics["eval_examples"] == 40


def test_pushed_model_serves_png_bytes_with_the_classes_evaluate_scored(colour_run):
    import tensorflow as tf

    from tfpipe.components import tfrecords
    from tfpipe.pipelines.vision.features import raw_feature_spec
    from tfpipe.pipelines.vision.serving import encode_png_batch

    examples = os.path.join(artifact(colour_run, "ingest"), "examples")
    raw = tfrecords.load_split(examples, "eval", raw_feature_spec((16, 16), 3))
    scored = np.load(os.path.join(artifact(colour_run, "evaluate"), "evaluation",
                                  "predictions.npz"))["candidate"]
    loaded = tf.saved_model.load(colour_run["serving_path"])
    pngs = encode_png_batch(raw["image"], raw["image_shape"])
    out = loaded.signatures["serving_default"](image_bytes=tf.constant(list(pngs)))
    served = [name.decode() for name in out["class_name"].numpy()]
    assert served == list(scored)
    assert out["probabilities"].shape == (len(served), 2)
    np.testing.assert_allclose(out["probabilities"].numpy().sum(axis=1), 1.0, rtol=1e-5)
    files = tfrecords.split_files(examples, "eval")
    serialized = [r.numpy() for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    by_example = loaded.signatures["serving_examples"](examples=tf.constant(serialized))
    assert [n.decode() for n in by_example["class_name"].numpy()] == served


def test_all_bad_files_fail_clearly_and_push_nothing(tmp_path):
    root = tmp_path / "bad"
    for name in ("red", "blue"):
        (root / name).mkdir(parents=True)
        (root / name / "empty.png").write_bytes(b"")
        (root / name / "text.jpg").write_text("not an image")
    workdir = tmp_path / "work"
    with pytest.raises(InputError, match="empty file|not an image"):
        run(str(root), str(workdir))
    assert not os.path.exists(os.path.join(workdir, "serving", "vision"))


def test_a_pushed_version_is_a_transfer_learning_base(colour_run, colour_data, tmp_path):
    import keras

    result = run(colour_data[0], str(tmp_path / "transfer-work"),
                 [f"base_model={colour_run['serving_path']}", "fine_tune_layers=1", "epochs=2"])
    assert result["pushed_version"] == 1
    model = keras.models.load_model(os.path.join(result["serving_path"], "assets.extra",
                                                 "model.keras"), compile=False)
    base = model.get_layer("base_features")
    trainable = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    assert trainable == ["conv2"]
    pushed = keras.models.load_model(os.path.join(colour_run["serving_path"], "assets.extra",
                                                  "model.keras"), compile=False)
    np.testing.assert_array_equal(base.get_layer("conv1").get_weights()[0],
                                  pushed.get_layer("conv1").get_weights()[0])


def test_a_changed_model_is_compared_with_the_pushed_champion(colour_run, colour_data):
    again = run(colour_data[0], colour_run["workdir"], ["epochs=5"])
    assert again["cached"] == ["ingest", "transform"]
    champion = again["metrics"]["baselines"]["champion"]
    assert champion["accuracy"] == pytest.approx(colour_run["metrics"]["candidate"]["accuracy"])
    with open(os.path.join(artifact(again, "evaluate"), "evaluation", "blessing.json"),
              encoding="utf-8") as handle:
        checks = json.load(handle)["checks"]
    assert any(c["against"] == "champion" and c["metric"] == "accuracy" for c in checks)
    assert again["pushed_version"] in (None, 2)
