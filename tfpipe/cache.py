"""Content-addressed cache keys and the reasons a component had to run."""
from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import os
import sys
from importlib import metadata
from types import ModuleType
from typing import Any

# Versions that change what a component produces; read from metadata, never imported.
# The top-level folders that tfpipe/components, tfpipe/pipelines, tfpipe/schemas link to.
SUB_PACKAGES = ("components", "pipelines", "schemas")
KEYED_LIBRARIES = ("tensorflow", "tensorflow-transform", "apache-beam", "keras")


def canonical_json(value: Any) -> str:
    """Stable JSON text of a parameter value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def digest(text: str | bytes) -> str:
    """Short sha256 hex digest."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:20]


def library_versions() -> dict[str, str]:
    """Installed versions of the keyed libraries (no import)."""
    versions = {}
    for name in KEYED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def source_digest(obj: Any) -> dict[str, str]:
    """Per-file digests of the project code a component runs: the module defining obj and
    every project module it imports, transitively (see module_closure)."""
    module = inspect.getmodule(obj)
    path = getattr(module, "__file__", None)
    if module is None or not path:
        return {"<unknown>": digest(inspect.getsource(obj))}
    return _digest_files(module_closure(module.__name__, path))


def package_digest(task: Any) -> dict[str, str]:
    """Per-file digests of a task's package folder (every source and data file in it) and of
    every project module that package imports, transitively; task is the package module, a
    module inside it, or a Task class or instance defined there."""
    module = _module_of(task)
    package = module if hasattr(module, "__path__") else sys.modules[module.__package__ or ""]
    if package.__file__ is None:  # a namespace package: no folder of its own
        raise ValueError(f"{package.__name__}: a task package needs an __init__.py")
    folder = os.path.dirname(package.__file__)
    files = {_label(path): path for path in _folder_files(folder)}
    for path in list(files.values()):
        if path.endswith(".py"):
            files.update(module_closure(_module_name(path) or package.__name__, path))
    return _digest_files(files)


def module_closure(module_name: str, path: str) -> dict[str, str]:
    """{label: path} of a module and every project module it imports, transitively.

    A static scan of `import` and `from ... import` statements anywhere in each file (also
    inside functions), kept to modules under the project package and resolved to files
    through its folder (so the symlinked sub-packages are followed); nothing is imported.
    The parent packages' __init__ files of each module count too: importing runs them, and
    so do the data files (.txt, .pbtxt) beside a package's __init__ (schemas, word lists).
    Remembered per process while every file in the closure keeps its modification stamp.
    """
    remembered = _CLOSURES.get((module_name, path))
    if remembered is not None and _unchanged(remembered[1]):
        return dict(remembered[0])
    found = _scan_closure(module_name, path)
    _CLOSURES[(module_name, path)] = (found, tuple(_stamp(file) for file in found.values()))
    return dict(found)


_CLOSURES: dict[tuple[str, str], tuple[dict[str, str], tuple[tuple[str, int, int], ...]]] = {}


def _unchanged(stamps: tuple[tuple[str, int, int], ...]) -> bool:
    try:
        return all(_stamp(stamp[0]) == stamp for stamp in stamps)
    except OSError:
        return False


def _scan_closure(module_name: str, path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    pending = [(module_name, path)]
    while pending:
        name, file = pending.pop()
        label = _label(file)
        if label in found:
            continue
        found[label] = file
        if os.path.basename(file) == "__init__.py":  # a package's data files (schemas, lists)
            folder = os.path.dirname(file)
            found.update((_label(data), data) for data in _data_files(folder))
        for imported in _project_imports(name, file):
            for candidate in _with_parents(imported):
                target = _module_file(candidate)
                if target is not None and _label(target) not in found:
                    pending.append((candidate, target))
    return found


def _module_of(task: Any) -> ModuleType:
    if isinstance(task, ModuleType):
        return task
    return sys.modules[getattr(task, "__module__", None) or type(task).__module__]


def _digest_files(files: dict[str, str]) -> dict[str, str]:
    return {label: _file_digest(*_stamp(path)) for label, path in sorted(files.items())}


def _stamp(path: str) -> tuple[str, int, int]:
    status = os.stat(path)
    return path, status.st_mtime_ns, status.st_size


@functools.lru_cache(maxsize=4096)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    """Digest of one file's bytes, remembered while its modification time and size hold."""
    with open(path, "rb") as handle:
        return digest(handle.read())


def _project_imports(module_name: str, path: str) -> tuple[str, ...]:
    is_package = os.path.basename(path) == "__init__.py"
    stamp = _stamp(path)
    key = f"{module_name}|{int(is_package)}|{stamp[1]}|{stamp[2]}|{stamp[0]}"  # path last
    remembered = _IMPORTS_MEMO.get(key)
    if isinstance(remembered, list) and all(isinstance(name, str) for name in remembered):
        return tuple(remembered)
    found = _scan_imports(module_name, is_package, *stamp)
    _IMPORTS_MEMO[key] = list(found)
    return found


# The imports each source file was found to make, by file stamp, kept across runs in the
# artifact store: a re-run keys its components without parsing every source file again.
IMPORTS_MEMO_NAME = ".code-imports.json"
_IMPORTS_MEMO: dict[str, Any] = {}


def load_imports_memo(memo_path: str) -> None:
    """Take the scans a previous run remembered (a missing or damaged memo: none)."""
    try:
        with open(memo_path, encoding="utf-8") as handle:
            memo = json.load(handle)
    except (OSError, ValueError):
        return
    if isinstance(memo, dict):
        _IMPORTS_MEMO.update(memo)


def save_imports_memo(memo_path: str) -> None:
    """Keep this process's scans of files that still exist, replacing the file atomically."""
    kept = {key: names for key, names in _IMPORTS_MEMO.items()
            if os.path.exists(key.split("|", 4)[-1])}
    os.makedirs(os.path.dirname(memo_path), exist_ok=True)
    partial = f"{memo_path}.{os.getpid()}.tmp"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(kept, handle, sort_keys=True)
    os.replace(partial, memo_path)


@functools.lru_cache(maxsize=4096)
def _scan_imports(module_name: str, is_package: bool, path: str, mtime_ns: int,
                  size: int) -> tuple[str, ...]:
    """Dotted names under the project package that a file imports (modules, or names inside
    them), relative imports resolved; remembered while the file's stamp holds."""
    with open(path, "rb") as handle:
        try:
            tree = ast.parse(handle.read(), path)
        except SyntaxError:  # its digest still keys the cache; running it will say more
            return ()
    package = module_name if is_package else module_name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    root = _project()[0]
    return tuple(sorted(n for n in names if n == root or n.startswith(root + ".")))


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@functools.lru_cache(maxsize=None)
def _project() -> tuple[str, str, str]:
    """(package name, package folder, folder that file labels are relative to)."""
    name = __name__.rpartition(".")[0]
    folder = os.path.dirname(os.path.abspath(__file__))
    return name, folder, os.path.dirname(os.path.realpath(folder))


@functools.lru_cache(maxsize=4096)
def _module_file(name: str) -> str | None:
    """The file of a project module (a package's __init__.py), or None if name is no module."""
    root, folder, _ = _project()
    if name != root and not name.startswith(root + "."):
        return None
    base = os.path.join(folder, *name.split(".")[1:])
    for path in (os.path.join(base, "__init__.py"), base + ".py"):
        if os.path.isfile(path):
            return path
    return None


def _module_name(path: str) -> str | None:
    """The dotted name of a file under the project package folder, or None."""
    root, folder, _ = _project()
    relative = os.path.relpath(os.path.abspath(path), folder)
    if relative.startswith(".."):
        return None
    parts = relative[:-len(".py")].split(os.sep)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([root, *parts])


@functools.lru_cache(maxsize=4096)
def _label(path: str) -> str:
    """A file's name in fingerprints and reasons: its path in the repository (e.g.
    components/export.py, tfpipe/cache.py), the same for a checkout and an installed wheel."""
    _, folder, top = _project()
    inside = os.path.relpath(os.path.abspath(path), folder)
    if not inside.startswith(".."):
        parts = inside.split(os.sep)
        # tfpipe/components, tfpipe/pipelines, tfpipe/schemas are the top-level folders.
        if parts[0] not in SUB_PACKAGES:
            parts.insert(0, os.path.basename(folder))
        return "/".join(parts)
    real = os.path.realpath(path)
    relative = os.path.relpath(real, top)
    return real if relative.startswith("..") else relative.replace(os.sep, "/")


@functools.lru_cache(maxsize=256)
def _data_files(folder: str) -> tuple[str, ...]:
    return tuple(os.path.join(folder, name) for name in sorted(os.listdir(folder))
                 if name.endswith((".txt", ".pbtxt")))


def _folder_files(folder: str) -> list[str]:
    """Every source or data file under a folder, in a stable order."""
    paths: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        paths.extend(os.path.join(root, name) for name in sorted(files)
                     if name.endswith((".py", ".txt", ".pbtxt")))
    return paths


# A fingerprint part kept to explain a re-run, not keyed: each data input's files and their
# digests, which the "data" part already covers.
DATA_FILES = "data_files"


def cache_key(fingerprint: dict[str, Any]) -> str:
    """The key of a component run from its fingerprint parts."""
    return digest(canonical_json({part: value for part, value in fingerprint.items()
                                  if part != DATA_FILES}))


def explain_change(previous: dict[str, Any] | None, current: dict[str, Any]) -> str:
    """Human reason a component runs, comparing its last fingerprint with this one."""
    if previous is None:
        return "no earlier run"
    changed = []
    for part in ("component_source", "task_source", "libraries"):
        old_value, new_value = previous.get(part), current.get(part)
        if old_value != new_value:
            files = _changed_files(old_value, new_value) if part != "libraries" else ""
            changed.append(part.replace("_", " ") + " changed" + (f": {files}" if files else ""))
    for group in ("params", "data", "inputs"):
        old, new = flatten(previous.get(group, {})), flatten(current.get(group, {}))
        names = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if group == "data":
            names = [_data_change(name, previous, current) for name in names]
        if names:
            changed.append(f"{group} changed: {', '.join(names)}")
    return "; ".join(changed) or "no complete artifact (earlier run interrupted or removed)"


def _data_change(name: str, previous: dict[str, Any], current: dict[str, Any]) -> str:
    """A changed data input, with its changed files when both runs named them."""
    files = _changed_files(previous.get(DATA_FILES, {}).get(name),
                           current.get(DATA_FILES, {}).get(name))
    return f"{name} ({files})" if files else name


def _changed_files(old: Any, new: Any, most: int = 6) -> str:
    """The files that differ between two {file: digest} maps (added and removed ones too)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""  # a fingerprint from before per-file digests
    names = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    shown = ", ".join(n + (" (new)" if n not in old else " (removed)" if n not in new else "")
                      for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> dotted keys."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat
