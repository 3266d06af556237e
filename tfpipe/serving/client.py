"""A TF Serving client: REST (`/v1/models/...:predict`) and gRPC (`PredictionService`)."""
from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from typing import Any

import numpy as np

from tfpipe.errors import InputError, TfpipeError
from tfpipe.serving.rest_json import columnar_inputs, encode_tensors, to_array

DEFAULT_SIGNATURE = "serving_default"


class ServingRequestFailed(TfpipeError):
    """The model server refused or failed a request (or could not be reached)."""


def model_path(model: str, version: int | None = None, label: str | None = None) -> str:
    """`/v1/models/NAME[/versions/N | /labels/L]`."""
    if version is not None and label is not None:
        raise InputError("pass either a version or a label, not both")
    path = f"/v1/models/{model}"
    if version is not None:
        path += f"/versions/{int(version)}"
    elif label is not None:
        path += f"/labels/{label}"
    return path


def rest_predict(url: str, model: str, body: dict[str, Any], version: int | None = None,
                 label: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """POST a REST predict request (`{"inputs": ...}` or `{"instances": ...}`); the JSON answer."""
    target = url.rstrip("/") + model_path(model, version, label) + ":predict"
    request = urllib.request.Request(target, data=json.dumps(body).encode("utf-8"),
                                     headers={"Content-Type": "application/json"},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")
        with contextlib.suppress(ValueError):  # a non-JSON body is reported as it is
            detail = json.loads(detail).get("error", detail)
        raise ServingRequestFailed(f"REST predict at {target} failed: HTTP {error.code}: "
                                   f"{detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ServingRequestFailed(f"REST predict at {target} failed: {error}") from None


def _model_spec(spec: Any, model: str, version: int | None, label: str | None,
                signature: str | None) -> None:
    if version is not None and label is not None:
        raise InputError("pass either a version or a label, not both")
    spec.name = model
    if version is not None:
        spec.version.value = int(version)
    elif label is not None:
        spec.version_label = label
    if signature:
        spec.signature_name = signature


def _stub(target: str) -> Any:
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    channel = grpc.insecure_channel(target, options=[
        ("grpc.max_send_message_length", 1 << 30), ("grpc.max_receive_message_length", 1 << 30)])
    return prediction_service_pb2_grpc.PredictionServiceStub(channel), channel


def _call(what: str, target: str, method: Any, request: Any, timeout: float) -> Any:
    import grpc

    try:
        return method(request, timeout=timeout)
    except grpc.RpcError as error:
        raise ServingRequestFailed(f"gRPC {what} at {target} failed: {error.code().name}: "
                                   f"{error.details()}") from None


def grpc_metadata(target: str, model: str, version: int | None = None,
                  label: str | None = None, timeout: float = 60.0) -> Any:
    """GetModelMetadata: the served version's SignatureDefMap."""
    from tensorflow_serving.apis import get_model_metadata_pb2

    stub, channel = _stub(target)
    with channel:
        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        _model_spec(request.model_spec, model, version, label, None)
        response = _call("GetModelMetadata", target, stub.GetModelMetadata, request, timeout)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signatures)
    return signatures


def grpc_predict(target: str, model: str, inputs: dict[str, np.ndarray],
                 version: int | None = None, label: str | None = None,
                 signature: str | None = DEFAULT_SIGNATURE,
                 timeout: float = 60.0) -> tuple[dict[str, np.ndarray], int]:
    """Predict over gRPC with numpy inputs; the outputs and the version that answered."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    _model_spec(request.model_spec, model, version, label, signature)
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    stub, channel = _stub(target)
    with channel:
        response = _call("Predict", target, stub.Predict, request, timeout)
    outputs = {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}
    return outputs, int(response.model_spec.version.value)


def grpc_predict_json(target: str, model: str, body: dict[str, Any], version: int | None = None,
                      label: str | None = None, signature: str = DEFAULT_SIGNATURE,
                      timeout: float = 60.0) -> dict[str, Any]:
    """A REST-style JSON request sent over gRPC: input dtypes come from GetModelMetadata, so
    `[1, 2]` reaches a float input as floats. Answers REST-style JSON plus the version."""
    import tensorflow as tf

    signatures = grpc_metadata(target, model, version, label, timeout)
    if signature not in signatures.signature_def:
        raise InputError(f"model {model} has no signature {signature!r} "
                         f"(has {sorted(signatures.signature_def)})")
    spec = signatures.signature_def[signature].inputs
    values = columnar_inputs(body, sorted(spec))
    unknown = sorted(set(values) - set(spec))
    if unknown:
        raise InputError(f"model {model} has no input {unknown} (inputs: {sorted(spec)})")
    arrays = {name: to_array(value, tf.dtypes.as_dtype(spec[name].dtype).as_numpy_dtype)
              for name, value in values.items()}
    outputs, served = grpc_predict(target, model, arrays, version, label, signature, timeout)
    return {"outputs": encode_tensors(outputs), "model_version": served}
