"""Pushed versions: the integer folders under a TF Serving model base path."""
from __future__ import annotations

import os

from tfpipe.files import ensure_within


def pushed_versions(base: str) -> list[int]:
    """Integer version folders under a model base path, ascending; none when it is absent.
    Staging folders (non-numeric names) are never versions."""
    if not os.path.isdir(base):
        return []
    return sorted(int(name) for name in os.listdir(base)
                  if name.isdigit() and os.path.isdir(os.path.join(base, name)))


def version_dir(base: str, version: int) -> str:
    """The folder of one version."""
    return os.path.join(base, str(version))


def model_base(serving_dir: str, model_name: str) -> str:
    """`<serving_dir>/<model_name>`, the TF Serving model base path a push writes under;
    InputError when the name leads outside serving_dir (`..`, an absolute path, a symlink)."""
    return ensure_within(os.path.join(serving_dir, model_name), [serving_dir],
                         f"model_name {model_name!r}: serving folder")
