"""SavedModel export: signatures embed the fitted transform and match the in-memory model."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from tfpipe.components import export
from tfpipe.registry import load_task

TEXTS = ["good good film", "bad film here", "good fun film", "bad bad plot"] * 5
LABELS = ["1", "0", "1", "0"] * 5


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A text transform fitted on TEXTS, a classifier fitted one epoch, exported; graph deleted."""
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

    module = load_task("text")
    params = {**module.info.defaults, "seed": 0}
    root = tmp_path_factory.mktemp("export")
    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(module.raw_feature_spec(params)))
    rows = [{"text": t, "label": label, "label_index": int(label)}
            for t, label in zip(TEXTS, LABELS)]
    with tft_beam.Context(temp_dir=str(root / "tmp"), force_tf_compat_v1=False):
        _, transform_fn = ((rows, metadata) | tft_beam.AnalyzeAndTransformDataset(
            module.preprocessing_fn(params)))
        _ = transform_fn | tft_beam.WriteTransformFn(str(root / "graph"))
    output = tft.TFTransformOutput(str(root / "graph"))
    model = module.build_model(params, output)
    features = output.transform_features_layer()({"text": np.array(TEXTS)})
    model.fit(module.model_inputs(features), np.array([int(x) for x in LABELS]), epochs=1,
              verbose=0)  # fit compiles step functions and optimizer slots the export must skip
    texts = ["good film", "an unseen word", "bad plot bad"]
    expected = model(module.model_inputs(output.transform_features_layer()(
        {"text": np.array(texts)})), training=False).numpy()
    export.save_serving_model(module, model, output, params, str(root / "model"))
    shutil.rmtree(root / "graph")  # the SavedModel must carry its own vocabulary assets
    return str(root / "model"), texts, expected, len(model.variables)


def test_serving_default_takes_raw_text_and_matches_the_model(exported):
    import tensorflow as tf

    path, texts, expected, _ = exported
    loaded = tf.saved_model.load(path)
    assert sorted(loaded.signatures) == ["serving_default", export.EXAMPLES_SIGNATURE]
    outputs = loaded.signatures["serving_default"](text=tf.constant(texts))
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, rtol=1e-5)
    assert outputs["class_id"].numpy().tolist() == expected.argmax(axis=1).tolist()


def test_examples_signature_matches_serving_default(exported):
    import tensorflow as tf

    from tfpipe.components import tfrecords

    path, texts, expected, _ = exported
    signature = tf.saved_model.load(path).signatures[export.EXAMPLES_SIGNATURE]
    examples = [tfrecords.to_example({"text": t}) for t in texts]
    outputs = signature(examples=tf.constant(examples))
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, rtol=1e-5)


def object_graph(path: str):
    """The SavedModel's object graph proto."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        proto.ParseFromString(handle.read())
    return proto.meta_graphs[0].object_graph_def


def test_transform_is_not_saved_as_a_keras_model(exported):
    # Saving the tf-keras transform layer as a Keras object retraces it (seconds) for a
    # signature nothing uses; only its tables and assets belong in the SavedModel.
    path, _, _, _ = exported
    identifiers = {node.user_object.identifier for node in object_graph(path).nodes
                   if node.WhichOneof("kind") == "user_object"}
    assert not any(i.startswith("_tf_keras") for i in identifiers), identifiers
    assert os.path.isfile(os.path.join(path, export.KERAS_MODEL_FILE))


def test_root_holds_no_functions_that_save_would_trace_again(exported):
    path, _, _, _ = exported
    root = object_graph(path).nodes[0]
    assert sorted(c.local_name for c in root.children) == ["model_variables", "signatures",
                                                           "transform_resources"]


def test_only_the_model_weights_are_saved_not_fit_state(exported):
    from tensorflow.core.protobuf import saved_model_pb2

    path, _, _, model_variables = exported
    graph = object_graph(path)
    variables = [n for n in graph.nodes if n.WhichOneof("kind") == "variable"]
    assert len(variables) == model_variables  # no optimizer slots or iteration counter
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        proto.ParseFromString(handle.read())
    names = [f.signature.name for f in proto.meta_graphs[0].graph_def.library.function]
    assert not [n for n in names if "step_on" in n], names  # fit's train/test steps
