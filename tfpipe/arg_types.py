"""argparse types for the CLI's options: a bad value is a usage error naming the option."""
from __future__ import annotations

import argparse
import math
import re
from urllib.parse import urlsplit

from tfpipe.errors import InputError
from tfpipe.registry import task_info
from tfpipe.settings import NAME_PATTERN, NAME_RULE

MAX_WORDS = 10_000  # generated one at a time; more is a mistake, not a request
# A container image reference: [registry[:port]/]path[:tag][@digest], path in lower case.
IMAGE_REFERENCE = re.compile(
    r"(?:[a-zA-Z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?")
# A Kubernetes volume claim name (an RFC 1123 subdomain).
CLAIM_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")


def known_task(name: str) -> str:
    """A registered task's name (the registry's own check and message)."""
    try:
        return task_info(name).name
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def safe_name(value: str) -> str:
    """A model name or version label: valid for TF Serving and safe in a path or URL."""
    if not NAME_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r}: use {NAME_RULE}")
    return value


def version_number(text: str) -> int:
    """A model version: a whole number from 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a version number (1, 2, ...)")
    return int(text)


def port_number(text: str) -> int:
    """A TCP port to listen on, 1-65535."""
    if not _is_port(text):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port from 1 to 65535")
    return int(text)


def seconds(text: str) -> float:
    """A positive, finite number of seconds."""
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number of seconds above 0")
    return value


def words_to_generate(text: str) -> int:
    """How many words to generate: 0 to MAX_WORDS."""
    if not text.isdigit() or int(text) > MAX_WORDS:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number from 0 to "
                                         f"{MAX_WORDS}")
    return int(text)


def temperature(text: str) -> float:
    """A sampling temperature: a finite number, 0 or more (0 = greedy)."""
    value = _number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number, 0 (greedy) or more")
    return value


def image_reference(value: str) -> str:
    """A container image such as tfpipe:latest or registry.example.com:5000/team/tfpipe:1.2."""
    if not IMAGE_REFERENCE.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected an image reference such as tfpipe:latest or "
            "REGISTRY/PATH:TAG (lower-case path)")
    return value


def claim_name(value: str) -> str:
    """A Kubernetes persistent volume claim name."""
    if not CLAIM_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r}: expected a volume claim name (lower-case "
                                         "letters, digits, '-' and '.')")
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
    if not host.strip("[]") or not _is_port(port):
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected HOST:PORT, e.g. localhost:8500 (TF Serving's gRPC port)")
    return value


def _number(text: str) -> float:
    """The finite number `text` holds, else NaN (which fails every comparison)."""
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _is_port(text: str) -> bool:
    """A TCP port number, 1-65535."""
    return text.isdigit() and 0 < int(text) < 65536
