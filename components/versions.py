"""Pushed versions: the integer folders under a TF Serving model base path."""
from __future__ import annotations

import os


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
