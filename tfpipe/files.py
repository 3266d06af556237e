"""Small file helpers shared by the framework, components and tasks."""
from __future__ import annotations

import functools
import gzip
import os
import shutil
import uuid
from typing import Any

SCRATCH = "scratch"  # <workdir>/scratch: components' scratch folders and a run's temp files


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


def staging_name(prefix: str, name: str) -> str:
    """`<prefix><name>-<pid>-<random>`: a hidden name to write under before a rename, from
    which remove_stale_staging can tell whether its writer still runs."""
    return f"{prefix}{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def remove_stale_staging(parent: str, prefix: str) -> list[str]:
    """Delete the `prefix` folders under parent whose writing process is gone (or cannot be
    told from the name); keep those of live processes. Returns the names removed."""
    removed: list[str] = []
    if not os.path.isdir(parent):
        return removed
    for name in os.listdir(parent):
        if not name.startswith(prefix):
            continue
        pid = _writer_pid(name)
        if pid is not None and pid != os.getpid() and process_alive(pid):
            continue
        shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
        removed.append(name)
    return removed


def _writer_pid(name: str) -> int | None:
    """The pid field of a staging_name, or None when the name has none."""
    parts = name.split("-")
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_within(path: str, roots: list[str] | tuple[str, ...], what: str = "path") -> str:
    """`path` made absolute, if it lies under one of `roots` once symlinks are resolved;
    InputError naming both otherwise. Checked before tfpipe writes where a name led."""
    from tfpipe.errors import InputError

    real = os.path.realpath(path)
    for root in roots:
        base = os.path.realpath(root)
        if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
            return os.path.abspath(path)
    raise InputError(f"{what} {path} resolves to {real}, outside "
                     f"{' and '.join(os.path.realpath(r) for r in roots)}; names that become "
                     f"paths must not contain '..', '/' or lead through a symlink elsewhere")


def prepare_workdir(workdir: str) -> str:
    """Create the workdir (absolute path returned) or raise InputError saying why it cannot
    be used: a file is in the way, or it is not writable."""
    from tfpipe.errors import InputError

    workdir = os.path.abspath(workdir)
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise InputError(f"--workdir {workdir}: is a file, not a folder; pass a folder path")
    try:
        os.makedirs(workdir, exist_ok=True)
        probe = os.path.join(workdir, f".write-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        with open(probe, "w", encoding="utf-8") as handle:
            handle.write("")
        os.remove(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        where = f" ({error.filename})" if error.filename and error.filename != workdir else ""
        raise InputError(f"--workdir {workdir}: cannot write there: {reason}{where}; "
                         f"pass a folder you can write to") from None
    return workdir


def count_lines(path: str) -> int:
    """Lines of a text file (gzip-compressed if named .gz), counted in blocks without decoding;
    counted once per file version (precheck and the progress estimate both ask)."""
    stamp = os.stat(path)
    return _count_lines(os.path.abspath(path), stamp.st_size, stamp.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _count_lines(path: str, size: int, mtime_ns: int) -> int:
    """count_lines of one version of a file (size and mtime are the cache key)."""
    opener: Any = gzip.open if path.lower().endswith(".gz") else open
    lines, last = 0, b"\n"
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + int(last != b"\n")  # an unterminated last line counts


def unwritable_reason(path: str) -> str | None:
    """Why a file could not be written at `path` (None if it could), checked without writing.

    Missing folders on the way count as writable when the nearest existing one is.
    """
    path = os.path.abspath(path)
    if os.path.isdir(path):
        return "is a folder"
    if os.path.exists(path):
        return None if os.access(path, os.W_OK) else "is not writable"
    return folder_unwritable_reason(os.path.dirname(path))


def folder_unwritable_reason(folder: str) -> str | None:
    """Why files could not be made in `folder` (None if they could), checked without writing.

    A missing folder counts as writable when the nearest existing one on its path is.
    """
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot write in {existing}"
    return None


def not_utf8(text: str) -> str | None:
    """What is wrong with text read with errors="surrogateescape" when a byte was not UTF-8
    (naming the byte and the fix), else None."""
    for char in text:
        if "\udc80" <= char <= "\udcff":
            return f"not UTF-8 text (byte 0x{ord(char) - 0xdc00:02x}); save the file as UTF-8"
    return None


def printable(text: str) -> str:
    """Text read with errors="surrogateescape", its undecodable bytes shown as \\xNN escapes
    (so it can be printed and encoded as UTF-8)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
