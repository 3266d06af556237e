"""A run's temporary files go under its workdir: TMPDIR points there while the run lasts."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from tfpipe.files import SCRATCH, remove_stale_staging, staging_name

# Under <workdir>/scratch, named like a staging folder so a killed run's is swept next time.
# TensorFlow's autograph writes converted functions there, tf.Transform and Beam their
# temporary folders; without it they went to the system's temporary folder and stayed.
PARENT = SCRATCH
PREFIX = ".run-tmp-"  # not artifacts' ".tmp-": the runner sweeps those in this process


@contextlib.contextmanager
def run_tmp(workdir: str) -> Iterator[str]:
    """Point TMPDIR (and tempfile) at a fresh folder in the workdir; remove it afterwards."""
    parent = os.path.join(workdir, PARENT)
    os.makedirs(parent, exist_ok=True)
    remove_stale_staging(parent, PREFIX)
    folder = os.path.join(parent, staging_name(PREFIX, "files"))
    os.makedirs(folder)
    saved_env, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = folder  # child processes: the tracker, Beam's workers
    tempfile.tempdir = folder
    try:
        yield folder
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(folder, ignore_errors=True)
