"""Whether a TCP server answers at host:port, said in a phrase for an error message."""
from __future__ import annotations

import socket


def connect_problem(host: str, port: int, timeout: float) -> str | None:
    """None when a TCP connection to host:port opens within timeout, else why it did not."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        if isinstance(error, TimeoutError):
            return f"no answer within {timeout:g} s"
        return f"cannot connect ({error.strerror or error})"
    return None
