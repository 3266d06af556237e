"""TF Serving warmup requests: a TFRecord of PredictionLogs in `assets.extra/`."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

# TF Serving replays this file when it loads a version, before the version takes traffic.
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")


def predict_request(model_name: str, inputs: dict[str, np.ndarray], dtypes: dict[str, Any],
                    signature: str = "serving_default") -> Any:
    """A PredictRequest carrying numpy inputs as TensorProtos of the signature's dtypes."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value, dtype=dtypes[name]))
    return request


def warmup_logs(model_name: str, inputs: dict[str, np.ndarray], dtypes: dict[str, Any],
                count: int) -> list[Any]:
    """One PredictionLog per example (batch of one) for the first `count` examples."""
    from tensorflow_serving.apis import prediction_log_pb2

    size = len(next(iter(inputs.values())))
    logs = []
    for index in range(min(count, size)):
        one = {name: value[index:index + 1] for name, value in inputs.items()}
        request = predict_request(model_name, one, dtypes)
        logs.append(prediction_log_pb2.PredictionLog(
            predict_log=prediction_log_pb2.PredictLog(request=request)))
    return logs


def write_warmup_requests(model_dir: str, model_name: str, inputs: dict[str, np.ndarray],
                          dtypes: dict[str, Any], count: int) -> str:
    """Write `assets.extra/tf_serving_warmup_requests` into a SavedModel folder."""
    import tensorflow as tf

    path = os.path.join(model_dir, WARMUP_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for log in warmup_logs(model_name, inputs, dtypes, count):
            writer.write(log.SerializeToString())
    return path


def read_warmup_requests(model_dir: str) -> list[Any]:
    """The PredictRequests of a version's warmup file, in order."""
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    requests = []
    for record in tf.data.TFRecordDataset(os.path.join(model_dir, WARMUP_FILE)):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        requests.append(log.predict_log.request)
    return requests
