"""Class folders of documents: `DIR/<class>/<document>`, the layout of IMDB and Keras' loader.

Each sub-folder of the data folder is a class and each file below it (at any depth) one
document; hidden files and folders are skipped, and files at the top are not documents.
"""
from __future__ import annotations

import fnmatch
import os
from typing import Iterator

from tfpipe.errors import InputError
from tfpipe.pipelines.text.readers import (EMPTY_TEXT, INVALID_UTF8, Quarantined, Row,
                                           has_undecodable, preview, read_decoded)

FOLDERS = "folders"
BINARY_FILE = "binary_file"
UNREADABLE_FILE = "unreadable_file"
DEFAULT_DOCUMENT_PATTERNS = ("*.txt", "*.txt.gz")
_BINARY_PROBE = 8192


def _visible(name: str) -> bool:
    return not name.startswith(".")


def class_folders(root: str) -> list[str]:
    """Names of the visible sub-folders of `root`, sorted."""
    return sorted(name for name in os.listdir(root)
                  if _visible(name) and os.path.isdir(os.path.join(root, name)))


def class_documents(root: str, class_name: str, patterns: tuple[str, ...]) -> list[str]:
    """Every visible file under root/class_name matching a pattern, sorted, at any depth."""
    found: list[str] = []
    for folder, dirs, names in os.walk(os.path.join(root, class_name)):
        dirs[:] = sorted(d for d in dirs if _visible(d))
        found.extend(os.path.join(folder, name) for name in names
                     if _visible(name) and any(fnmatch.fnmatch(name, p) for p in patterns))
    return sorted(found)


def looks_like_class_folders(root: str, patterns: tuple[str, ...] | None) -> bool:
    """True when some sub-folder of root holds a matching document."""
    globs = patterns or DEFAULT_DOCUMENT_PATTERNS
    return os.path.isdir(root) and any(class_documents(root, name, globs)
                                       for name in class_folders(root))


def check_folders_data(root: str) -> None:
    """format=folders needs a folder with a sub-folder per class; InputError saying so if not."""
    layout = ("format=folders reads a folder with one sub-folder per class "
              "(DIR/<class>/<document>.txt)")
    if not os.path.isdir(root):
        what = "a file" if os.path.isfile(root) else "not a folder"
        raise InputError(f"config format=folders: {root} is {what}; {layout}; for a CSV, TSV "
                         "or JSON Lines file set format=csv|tsv|jsonl or leave it unset")
    if not class_folders(root):
        raise InputError(f"config format=folders: {root} has no sub-folders; {layout}")


def list_documents(root: str, patterns: tuple[str, ...] | None,
                   label_values: tuple[str, ...] | None) -> list[str]:
    """Documents of the chosen classes (`label_values`, else every sub-folder), sorted."""
    globs = patterns or DEFAULT_DOCUMENT_PATTERNS
    available = class_folders(root)
    chosen = list(label_values) if label_values else available
    missing = [name for name in chosen if name not in available]
    if missing:
        raise FileNotFoundError(f"{root}: no class folder {', '.join(map(repr, missing))} "
                                f"(label_values); the class folders are {available}")
    files = [path for name in chosen for path in class_documents(root, name, globs)]
    if not files:
        raise FileNotFoundError(f"{root}: no documents matching {', '.join(globs)} in its "
                                f"class folders {chosen}; set file_pattern")
    return files


def read_document(path: str, root: str, encoding: str = "utf-8") -> Iterator[Row | Quarantined]:
    """One document as a Row labelled by its class folder, or a Quarantined file."""
    source = os.path.relpath(path, root)
    label = source.split(os.sep, 1)[0]
    try:
        data = read_decoded(path, encoding)
    except ValueError as error:
        yield Quarantined(source, 1, UNREADABLE_FILE, preview(str(error)))
        return
    if "\x00" in data[:_BINARY_PROBE]:
        yield Quarantined(source, 1, BINARY_FILE, preview(data[:80]))
    elif has_undecodable(data):
        yield Quarantined(source, 1, INVALID_UTF8, preview(data))
    elif not data.strip():
        yield Quarantined(source, 1, EMPTY_TEXT, "")
    else:
        yield Row(data.strip(), label, source, 1)
