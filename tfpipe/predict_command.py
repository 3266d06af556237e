"""`tfpipe predict`: one predict request to TF Serving over REST or gRPC, printed as JSON."""
from __future__ import annotations

import argparse
import json
from urllib.parse import urlsplit

from tfpipe.settings import NAME_PATTERN, NAME_RULE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `tfpipe predict`."""
    parser.add_argument("model", metavar="MODEL", type=model_name,
                        help="model name as TF Serving serves it")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="a specific version")
    which.add_argument("--label", help="a version label (stable, canary)")
    server = parser.add_mutually_exclusive_group(required=True)
    server.add_argument("--rest", metavar="URL", type=rest_root,
                        help="REST API root, e.g. http://localhost:8501")
    server.add_argument("--grpc", metavar="HOST:PORT", type=grpc_address,
                        help="gRPC address, e.g. localhost:8500")
    parser.add_argument("--input", required=True, metavar="JSON|FILE",
                        help='{"inputs": {NAME: values}}, {"instances": [...]} or {NAME: '
                        'values}, inline or in a file; binary strings as {"b64": ...}')
    parser.add_argument("--signature", default="serving_default", help="signature name")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")


def model_name(value: str) -> str:
    """A model name that is safe in a URL path and valid for TF Serving."""
    if not NAME_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r}: use {NAME_RULE}")
    return value


def rest_root(value: str) -> str:
    """An http(s) URL with a host: TF Serving's REST API root."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected http://HOST:PORT or https://HOST[:PORT] (TF Serving's REST "
            "port is 8501)")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r}: {error}") from None
    return value


def grpc_address(value: str) -> str:
    """HOST:PORT (or [IPv6]:PORT) with a port from 1 to 65535."""
    host, _, port = value.rpartition(":")
    if not host.strip("[]") or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected HOST:PORT, e.g. localhost:8500 (TF Serving's gRPC port)")
    return value


def run(args: argparse.Namespace) -> int:
    """Send the request and print the answer."""
    from tfpipe.serving import client
    from tfpipe.serving.rest_json import read_request

    body = read_request(args.input)
    if args.rest:
        if args.signature != client.DEFAULT_SIGNATURE:
            body = {**body, "signature_name": args.signature}
        answer = client.rest_predict(args.rest, args.model, body, args.version, args.label,
                                     args.timeout)
    else:
        answer = client.grpc_predict_json(args.grpc, args.model, body, args.version,
                                          args.label, args.signature, args.timeout)
    print(json.dumps(answer))
    return 0
