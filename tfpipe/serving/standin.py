"""Stand-ins for TF Serving's model server, for tests and benchmarks on loopback.

TF Serving's binary cannot run on the build machines, so these serve the same contract from
this process: the generated `models.config` decides which versions are loaded and what the
labels point at (re-read when it changes, like `--model_config_file_poll_wait_seconds`),
each version's warmup requests are replayed when it loads, and requests are answered by the
real SavedModel's signatures over gRPC (`PredictionService.Predict`, `GetModelMetadata`)
and over the REST API (`/v1/models/NAME[/versions/N|/labels/L]:predict`, `.../metadata`).
"""
from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from tfpipe.serving.rest_json import columnar_inputs, encode_tensors, encode_value, to_array

CONFIG_FILE = "models.config"
CONTAINER_ROOT = "/models"
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")


class ServingError(Exception):
    """A request the model server refuses: a gRPC status name and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class LoadedVersion:
    """One loaded SavedModel version: its signatures and their SignatureDef protos."""

    path: str
    model: Any
    signature_defs: dict[str, Any]
    load_seconds: float
    warmup_seconds: float = 0.0
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self, signature: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Call one signature on numpy inputs of its exact dtypes."""
        import tensorflow as tf

        if signature not in self.model.signatures:
            raise ServingError("FAILED_PRECONDITION", f"Serving signature name: \"{signature}\" "
                               f"not found in signature def")
        specs = self.specs[signature]
        missing = sorted(set(specs) - set(inputs))
        extra = sorted(set(inputs) - set(specs))
        if missing or extra:
            raise ServingError("INVALID_ARGUMENT", f"input keys {sorted(inputs)} do not match "
                               f"the signature's inputs {sorted(specs)}")
        feed = {name: tf.constant(value, dtype=specs[name].dtype)
                for name, value in inputs.items()}
        try:
            outputs = self.model.signatures[signature](**feed)
        except (tf.errors.InvalidArgumentError, ValueError, TypeError) as error:
            raise ServingError("INVALID_ARGUMENT", str(error).splitlines()[0]) from None
        return {name: value.numpy() for name, value in outputs.items()}


def load_version(path: str, warmup: bool = True) -> LoadedVersion:
    """Load a SavedModel as TF Serving does on a new version, replaying its warmup file."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    started = time.perf_counter()
    model = tf.saved_model.load(path)
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        proto = saved_model_pb2.SavedModel.FromString(handle.read())
    defs = {k: v for k, v in proto.meta_graphs[0].signature_def.items() if not k.startswith("__")}
    loaded = LoadedVersion(path=path, model=model, signature_defs=defs,
                           load_seconds=time.perf_counter() - started,
                           specs={name: dict(fn.structured_input_signature[1])
                                  for name, fn in model.signatures.items()})
    if warmup and os.path.isfile(os.path.join(path, WARMUP_FILE)):
        started = time.perf_counter()
        replay_warmup(loaded)
        loaded.warmup_seconds = time.perf_counter() - started
    return loaded


def replay_warmup(loaded: LoadedVersion) -> int:
    """Run every PredictionLog of the version's warmup file; how many were run."""
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    count = 0
    for record in tf.data.TFRecordDataset(os.path.join(loaded.path, WARMUP_FILE)):
        request = prediction_log_pb2.PredictionLog.FromString(record.numpy()).predict_log.request
        loaded.run(request.model_spec.signature_name or "serving_default",
                   {k: tf.make_ndarray(v) for k, v in request.inputs.items()})
        count += 1
    return count


class ServedModels:
    """The models a model server would serve from a serving dir's models.config."""

    def __init__(self, serving_dir: str, warmup: bool = True,
                 container_root: str = CONTAINER_ROOT) -> None:
        self.serving_dir = os.path.abspath(serving_dir)
        self.warmup = warmup
        self.container_root = container_root.rstrip("/")
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._loaded: dict[str, LoadedVersion] = {}
        self.models: dict[str, dict[str, Any]] = {}

    def refresh(self) -> None:
        """Re-read models.config when it changed; load newly listed versions, drop the rest."""
        from google.protobuf import text_format
        from tensorflow_serving.config import model_server_config_pb2

        path = os.path.join(self.serving_dir, CONFIG_FILE)
        status = os.stat(path)
        stamp = (status.st_mtime_ns, status.st_size)
        with self._lock:
            if stamp == self._stamp:
                return
            with open(path, encoding="utf-8") as handle:
                config = text_format.Parse(handle.read(),
                                           model_server_config_pb2.ModelServerConfig())
            models: dict[str, dict[str, Any]] = {}
            for entry in config.model_config_list.config:
                base = self._host_path(entry.base_path)
                versions = list(entry.model_version_policy.specific.versions) or \
                    _latest(base)
                for version in versions:
                    key = os.path.join(base, str(version))
                    if key not in self._loaded:
                        self._loaded[key] = load_version(key, self.warmup)
                models[entry.name] = {"base": base, "versions": sorted(versions),
                                      "labels": dict(entry.version_labels)}
            wanted = {os.path.join(m["base"], str(v)) for m in models.values()
                      for v in m["versions"]}
            self._loaded = {k: v for k, v in self._loaded.items() if k in wanted}
            self.models, self._stamp = models, stamp

    def _host_path(self, base_path: str) -> str:
        if base_path.startswith(self.container_root + "/"):
            return os.path.join(self.serving_dir, base_path[len(self.container_root) + 1:])
        return base_path

    def resolve(self, name: str, version: int | None = None,
                label: str | None = None) -> tuple[int, LoadedVersion]:
        """The version a request addresses (none: the highest loaded) and its model."""
        self.refresh()
        model = self.models.get(name)
        if model is None:
            raise ServingError("NOT_FOUND", f"Servable not found for request: Latest({name})")
        if label:
            if label not in model["labels"]:
                raise ServingError("INVALID_ARGUMENT",
                                   f"Unrecognized servable version label: {label}")
            version = int(model["labels"][label])
        if version is None:
            version = model["versions"][-1]
        if version not in model["versions"]:
            raise ServingError("NOT_FOUND", f"Servable not found for request: "
                               f"Specific({name}, {version})")
        return version, self._loaded[os.path.join(model["base"], str(version))]


def _latest(base: str) -> list[int]:
    """TF Serving's default policy: the highest version folder."""
    versions = sorted(int(n) for n in os.listdir(base) if n.isdigit())
    return versions[-1:]


# ---- gRPC ----

def _servicer_class() -> Any:
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
        """Predict and GetModelMetadata over ServedModels."""

        def __init__(self, served: ServedModels) -> None:
            self.served = served

        def _resolve(self, spec: Any, context: Any) -> tuple[int, LoadedVersion]:
            try:
                return self.served.resolve(spec.name, spec.version.value
                                           if spec.HasField("version") else None,
                                           spec.version_label or None)
            except ServingError as error:
                context.abort(getattr(grpc.StatusCode, error.code), str(error))
                raise  # abort raises; this satisfies the type checker

        def Predict(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC's name
            import tensorflow as tf
            from tensorflow_serving.apis import predict_pb2

            version, loaded = self._resolve(request.model_spec, context)
            signature = request.model_spec.signature_name or "serving_default"
            specs = loaded.specs.get(signature, {})
            for name, proto in request.inputs.items():
                if name in specs and proto.dtype != specs[name].dtype.as_datatype_enum:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                  f"Expects arg {name} to be {specs[name].dtype.name} but "
                                  f"{tf.dtypes.as_dtype(proto.dtype).name} is provided")
            try:
                outputs = loaded.run(signature, {k: tf.make_ndarray(v)
                                                 for k, v in request.inputs.items()})
            except ServingError as error:
                context.abort(getattr(grpc.StatusCode, error.code), str(error))
            wanted = set(request.output_filter) or set(outputs)
            response = predict_pb2.PredictResponse()
            response.model_spec.name = request.model_spec.name
            response.model_spec.version.value = version
            response.model_spec.signature_name = signature
            for name in sorted(wanted & set(outputs)):
                response.outputs[name].CopyFrom(tf.make_tensor_proto(outputs[name]))
            return response

        def GetModelMetadata(self, request: Any, context: Any) -> Any:  # noqa: N802
            from tensorflow_serving.apis import get_model_metadata_pb2

            version, loaded = self._resolve(request.model_spec, context)
            signatures = get_model_metadata_pb2.SignatureDefMap()
            for name, proto in loaded.signature_defs.items():
                signatures.signature_def[name].CopyFrom(proto)
            response = get_model_metadata_pb2.GetModelMetadataResponse()
            response.model_spec.name = request.model_spec.name
            response.model_spec.version.value = version
            response.metadata["signature_def"].Pack(signatures)
            return response

    return PredictionServicer


def start_grpc_server(served: ServedModels, workers: int = 4) -> tuple[Any, int]:
    """A gRPC PredictionService on 127.0.0.1 (a free port); returns (server, port)."""
    import grpc
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        _servicer_class()(served), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


# ---- REST ----

ROUTE = re.compile(r"^/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>\d+)|"
                   r"/labels/(?P<label>[^/:]+))?(?P<verb>:predict|/metadata)?$")
HTTP_STATUS = {"NOT_FOUND": 404, "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400}


def rest_predict(served: ServedModels, name: str, version: int | None, label: str | None,
                 body: dict[str, Any]) -> dict[str, Any]:
    """TF Serving's REST predict: columnar `inputs` -> `outputs`, row `instances` ->
    `predictions`; a single output is returned without its name."""
    _, loaded = served.resolve(name, version, label)
    signature = body.get("signature_name") or "serving_default"
    specs = loaded.specs.get(signature)
    if specs is None:
        raise ServingError("FAILED_PRECONDITION", f"Serving signature name: \"{signature}\" "
                           "not found in signature def")
    if "inputs" not in body and "instances" not in body:
        raise ServingError("INVALID_ARGUMENT", "Missing 'inputs' or 'instances' key")
    try:
        values = columnar_inputs(body, sorted(specs))
        arrays = {k: to_array(v, specs[k].dtype.as_numpy_dtype if k in specs else None)
                  for k, v in values.items()}
    except (ValueError, KeyError) as error:
        raise ServingError("INVALID_ARGUMENT", f"malformed request: {error}") from None
    outputs = loaded.run(signature, arrays)
    if "inputs" in body:
        if len(outputs) == 1:
            (key, value), = outputs.items()
            return {"outputs": encode_value(key, value)}
        return {"outputs": encode_tensors(outputs)}
    rows = len(next(iter(outputs.values())))
    if len(outputs) == 1:
        (key, value), = outputs.items()
        return {"predictions": encode_value(key, value)}
    encoded = encode_tensors(outputs)
    return {"predictions": [{k: v[i] for k, v in encoded.items()} for i in range(rows)]}


def rest_metadata(served: ServedModels, name: str, version: int | None,
                  label: str | None) -> dict[str, Any]:
    """TF Serving's REST metadata: the served version's signature defs."""
    from google.protobuf.json_format import MessageToDict

    number, loaded = served.resolve(name, version, label)
    return {"model_spec": {"name": name, "signature_name": "", "version": str(number)},
            "metadata": {"signature_def": {"signature_def": {
                k: MessageToDict(v) for k, v in loaded.signature_defs.items()}}}}


def rest_status(served: ServedModels, name: str) -> dict[str, Any]:
    """TF Serving's REST model status: every loaded version AVAILABLE."""
    served.refresh()
    if name not in served.models:
        raise ServingError("NOT_FOUND", f"Could not find any versions of model {name}")
    return {"model_version_status": [
        {"version": str(v), "state": "AVAILABLE", "status": {"error_code": "OK",
                                                             "error_message": ""}}
        for v in reversed(served.models[name]["versions"])]}


def start_rest_server(served: ServedModels) -> tuple[ThreadingHTTPServer, int]:
    """TF Serving's REST API on 127.0.0.1 (a free port) in a thread; returns (server, port)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            """No Nagle delay: headers and body go out as two writes on a kept-alive socket."""
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
            """Quiet: no access log on stderr."""

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            match = ROUTE.match(self.path)
            if match is None:
                self._answer(404, {"error": f"Malformed request: {method} {self.path}"})
                return
            name, verb = match["name"], match["verb"]
            version = int(match["version"]) if match["version"] else None
            try:
                if method == "POST" and verb == ":predict":
                    length = int(self.headers.get("Content-Length", 0))
                    try:
                        body = json.loads(self.rfile.read(length) or b"{}")
                    except ValueError as error:
                        raise ServingError("INVALID_ARGUMENT", f"JSON Parse error: {error}")
                    self._answer(200, rest_predict(served, name, version, match["label"], body))
                elif method == "GET" and verb == "/metadata":
                    self._answer(200, rest_metadata(served, name, version, match["label"]))
                elif method == "GET" and verb is None:
                    self._answer(200, rest_status(served, name))
                else:
                    self._answer(404, {"error": f"Malformed request: {method} {self.path}"})
            except ServingError as error:
                self._answer(HTTP_STATUS.get(error.code, 500), {"error": str(error)})

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self._route("POST")

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self._route("GET")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]
