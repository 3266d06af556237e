"""Warmup requests: PredictionLogs TF Serving can replay, read back and run on the SavedModel."""
from __future__ import annotations

import numpy as np

from tfpipe.components.warmup import WARMUP_FILE, read_warmup_requests, write_warmup_requests


def test_written_requests_read_back_and_replay_against_the_saved_model(tmp_path):
    import tensorflow as tf

    module = tf.Module()
    module.scale = tf.Variable(2.0)

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x"),
                                  tf.TensorSpec([None], tf.string, name="text_bytes")])
    def serve(x, text_bytes):
        return {"y": x * module.scale, "n": tf.strings.length(text_bytes)}

    path = str(tmp_path / "model")
    tf.saved_model.save(module, path, signatures={"serving_default": serve})
    inputs = {"x": np.arange(12, dtype=np.float64).reshape(4, 3),  # cast to the signature's
              "text_bytes": np.array([b"\x89PNG", b"ab", b"", b"xyz"], dtype=object)}
    dtypes = {"x": tf.float32, "text_bytes": tf.string}
    write_warmup_requests(path, "m", inputs, dtypes, count=3)
    assert (tmp_path / "model" / WARMUP_FILE).is_file()
    requests = read_warmup_requests(path)
    assert len(requests) == 3
    signature = tf.saved_model.load(path).signatures["serving_default"]
    for index, request in enumerate(requests):
        assert request.model_spec.name == "m"
        assert request.model_spec.signature_name == "serving_default"
        assert request.inputs["x"].dtype == tf.float32.as_datatype_enum
        sent = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        outputs = signature(**{k: tf.constant(v) for k, v in sent.items()})
        np.testing.assert_allclose(outputs["y"].numpy(), inputs["x"][index:index + 1] * 2)
        assert outputs["n"].numpy().tolist() == [len(inputs["text_bytes"][index])]


def test_fewer_examples_than_requested_write_one_request_each(tmp_path):
    import tensorflow as tf

    write_warmup_requests(str(tmp_path), "m", {"x": np.zeros((2, 1), np.float32)},
                          {"x": tf.float32}, count=10)
    assert len(read_warmup_requests(str(tmp_path))) == 2
