"""Beam's external worker pool (worker_pool_main) bound to 127.0.0.1 instead of every interface.

Usage: python loopback_worker_pool.py PORT_FILE. Writes the chosen port to PORT_FILE once the
server listens, then serves until killed.
"""
from __future__ import annotations

import os
import sys
import threading

import grpc
from apache_beam.portability.api import beam_fn_api_pb2_grpc
from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer
from apache_beam.utils import thread_pool_executor


def main(port_file: str) -> None:
    """Serve worker processes (one SDK harness per request) on a loopback port."""
    server = grpc.server(thread_pool_executor.shared_unbounded_instance())
    port = server.add_insecure_port("127.0.0.1:0")
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(
        BeamFnExternalWorkerPoolServicer(use_process=True), server)
    server.start()
    with open(f"{port_file}.tmp", "w", encoding="utf-8") as handle:
        handle.write(str(port))
    os.replace(f"{port_file}.tmp", port_file)
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1])
