"""Registry of task packages, imported lazily so the CLI starts fast."""
from __future__ import annotations

import importlib
from types import ModuleType

from tfpipe.errors import InputError

TASK_PACKAGES = {
    "forecasting": "tfpipe.pipelines.forecasting",
    "text": "tfpipe.pipelines.text",
    "text-generation": "tfpipe.pipelines.text_generation",
    "vision": "tfpipe.pipelines.vision",
}


def task_names() -> list[str]:
    """Names accepted by `tfpipe run`."""
    return sorted(TASK_PACKAGES)


def load_task(name: str) -> ModuleType:
    """The task package implementing the TaskModule protocol of pipelines/task.py."""
    try:
        package = TASK_PACKAGES[name]
    except KeyError:
        raise InputError(f"unknown task {name!r}; choose one of: {', '.join(task_names())}")
    return importlib.import_module(package)
