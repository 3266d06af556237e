"""Content fingerprints of raw input data that do not re-read unchanged files.

Each file's content digest is remembered with its size, modification time and inode; a file
whose three are unchanged is taken as unchanged (the check `make` and `rsync` make), and any
other file is read and hashed again. The fingerprint is over names and content digests, so it
follows content, not paths or times.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
from typing import Any

MEMO_NAME = ".data-digests.json"
# Up to this many files, a component's record names each with its digest, so the reason a
# component re-runs names the changed files; a larger input is named as a whole.
MOST_FILES_NAMED = 1000


def data_files(path: str) -> list[str]:
    """The files of raw input data: a file, every file under a folder, or a glob's matches."""
    if os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        return sorted(os.path.join(root, name) for root, _, names in os.walk(path)
                      for name in names)
    matched = sorted(glob.glob(path)) if glob.has_magic(path) else []
    if not matched:
        raise FileNotFoundError(f"input data not found: {path}")
    return [item for each in matched for item in data_files(each)]


def content_digest(path: str) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _stat_key(path: str) -> str:
    status = os.stat(path)
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ino}"


def _load(memo_path: str | None) -> dict[str, Any]:
    if not memo_path or not os.path.isfile(memo_path):
        return {}
    try:
        with open(memo_path, encoding="utf-8") as handle:
            memo = json.load(handle)
    except (OSError, ValueError):
        return {}  # a damaged memo only costs a re-read
    return memo if isinstance(memo, dict) else {}


def _save(memo_path: str, memo: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(memo_path), exist_ok=True)
    partial = f"{memo_path}.{os.getpid()}.tmp"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(memo, handle)
    os.replace(partial, memo_path)


def fingerprint(path: str, memo_path: str | None = None) -> str:
    """Digest of the data's file names and contents; unchanged files are not re-read."""
    return fingerprint_files(path, memo_path)[0]


def fingerprint_files(path: str, memo_path: str | None = None
                      ) -> tuple[str, dict[str, str] | None]:
    """`fingerprint`, and each file's digest by its name under the input (None past
    MOST_FILES_NAMED files)."""
    memo = _load(memo_path)
    named: dict[str, str] = {}
    changed = False
    base = path if os.path.exists(path) else os.path.dirname(path)
    hasher = hashlib.sha256()
    for item in data_files(path):
        absolute = os.path.abspath(item)
        stat_key = _stat_key(absolute)
        entry = memo.get(absolute)
        if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == stat_key):
            entry = [stat_key, content_digest(absolute)]
            memo[absolute] = entry
            changed = True
        name = os.path.relpath(item, base)
        hasher.update(name.encode())
        hasher.update(entry[1].encode())
        named[os.path.basename(item) if name == os.curdir else name] = entry[1][:16]
    if changed and memo_path:
        _save(memo_path, memo)
    return hasher.hexdigest()[:20], named if len(named) <= MOST_FILES_NAMED else None
