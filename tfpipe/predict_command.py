"""`tfpipe predict`: one predict request to TF Serving over REST or gRPC, printed as JSON."""
from __future__ import annotations

import argparse
import json

from tfpipe.arg_types import grpc_address, rest_root, safe_name, seconds, version_number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `tfpipe predict`."""
    parser.add_argument("model", metavar="MODEL", type=safe_name,
                        help="model name as TF Serving serves it")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", type=version_number, help="a specific version")
    which.add_argument("--label", type=safe_name, help="a version label (stable, canary)")
    server = parser.add_mutually_exclusive_group(required=True)
    server.add_argument("--rest", metavar="URL", type=rest_root,
                        help="REST API root, e.g. http://localhost:8501")
    server.add_argument("--grpc", metavar="HOST:PORT", type=grpc_address,
                        help="gRPC address, e.g. localhost:8500")
    parser.add_argument("--input", required=True, metavar="JSON|FILE",
                        help='{"inputs": {NAME: values}}, {"instances": [...]} or {NAME: '
                        'values}, inline or in a file; binary strings as {"b64": ...}')
    parser.add_argument("--signature", default="serving_default", help="signature name")
    parser.add_argument("--timeout", type=seconds, default=60.0, help="seconds per request")


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
