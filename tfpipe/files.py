"""Small file helpers shared by tasks."""
from __future__ import annotations

import os


def write_if_changed(path: str, content: str) -> str:
    """Write text atomically (temp file + rename) unless the file already holds it."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            if handle.read() == content:
                return path
    staging = f"{path}.tmp-{os.getpid()}"
    with open(staging, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(staging, path)
    return path
