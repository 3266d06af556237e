"""Where caches go: the workdir's `cache/`, or TFPIPE_CACHE_DIR when the user names one.

tfpipe writes nothing outside the workdir and the folders the user configures. The libraries
it imports keep per-user caches in the home folder unless told otherwise (matplotlib's font
list in ~/.cache/matplotlib, Keras's ~/.keras/keras.json), so a command with a workdir points
them at one of these folders, unless the user has set MPLCONFIGDIR or KERAS_HOME already.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from tfpipe.errors import InputError
from tfpipe.files import folder_unwritable_reason

CACHE_ENV = "TFPIPE_CACHE_DIR"
WORKDIR_CACHE = "cache"  # <workdir>/cache
# Environment variable -> subfolder, for the libraries that otherwise write into $HOME.
LIBRARY_HOMES = {"MPLCONFIGDIR": "matplotlib", "KERAS_HOME": "keras"}


def shared_cache_dir() -> str | None:
    """The folder the user named for caches shared by every workdir, if any."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    return os.path.abspath(os.path.expanduser(configured)) if configured else None


def check_shared_cache_dir() -> None:
    """InputError naming TFPIPE_CACHE_DIR when it is set to a folder that cannot be written."""
    folder = shared_cache_dir()
    reason = folder_unwritable_reason(folder) if folder else None
    if reason:
        raise InputError(f"TFPIPE_CACHE_DIR={folder}: {reason}; name a folder you can write, "
                         "or unset it to keep caches in the workdir")


def cache_dir(workdir: str) -> str:
    """TFPIPE_CACHE_DIR when set, else <workdir>/cache."""
    return shared_cache_dir() or os.path.join(os.path.abspath(workdir), WORKDIR_CACHE)


def point_library_caches(workdir: str | None) -> dict[str, str]:
    """Set MPLCONFIGDIR and KERAS_HOME (those the user has not set) under cache_dir(workdir).

    Returns what was set. Before any import of matplotlib or Keras, which read them once;
    a workdir that is not (yet) a folder is left alone, so no command creates one by typo.
    """
    if not workdir or not os.path.isdir(workdir):
        return {}
    check_shared_cache_dir()
    base = cache_dir(workdir)
    chosen = {name: os.path.join(base, folder) for name, folder in LIBRARY_HOMES.items()
              if not os.environ.get(name)}
    os.environ.update(chosen)
    return chosen


@contextlib.contextmanager
def library_caches(workdir: str) -> Iterator[dict[str, str]]:
    """point_library_caches for the length of a run; the variables it set are removed after."""
    chosen = point_library_caches(workdir)
    try:
        yield chosen
    finally:
        for name in chosen:
            os.environ.pop(name, None)
