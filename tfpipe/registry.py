"""The task registry: every package under tfpipe.pipelines that declares `TASK = TaskInfo(...)`."""
from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Any

from tfpipe.errors import InputError, did_you_mean
from tfpipe.task import Task, TaskInfo

TASKS_PACKAGE = "tfpipe.pipelines"


@functools.lru_cache(maxsize=None)
def task_infos() -> dict[str, TaskInfo]:
    """Every registered task by name, found by importing each task package's light __init__."""
    package = importlib.import_module(TASKS_PACKAGE)
    found: dict[str, TaskInfo] = {}
    for entry in pkgutil.iter_modules(package.__path__):
        if not entry.ispkg:
            continue
        module = importlib.import_module(f"{TASKS_PACKAGE}.{entry.name}")
        info = getattr(module, "TASK", None)
        if isinstance(info, TaskInfo):
            if info.name in found:
                raise RuntimeError(f"task name {info.name!r} declared twice")
            found[info.name] = info
    return found


def task_names() -> list[str]:
    """Names accepted by `tfpipe run`."""
    return sorted(task_infos())


def task_info(name: str) -> TaskInfo:
    """A task's light declaration; InputError naming the choices for an unknown name."""
    try:
        return task_infos()[name]
    except KeyError:
        raise InputError(f"unknown task {name!r}{did_you_mean(name, task_names())}; "
                         f"choose one of: {', '.join(task_names())}") from None


@functools.lru_cache(maxsize=None)
def load_task(name: str) -> Task:
    """The task's Task instance, its implementation module imported once."""
    info = task_info(name)
    task_class = load_object(info.implementation)
    if not (isinstance(task_class, type) and issubclass(task_class, Task)):
        raise TypeError(f"{info.implementation} is not a subclass of tfpipe.task.Task")
    missing = sorted(getattr(task_class, "__abstractmethods__", ()))
    if missing:
        raise TypeError(f"task {name!r} ({info.implementation}) misses required hooks: "
                        f"{', '.join(missing)}")
    return task_class()


def load_object(path: str) -> Any:
    """The object named by "module:name" (a task class, a command's function)."""
    module_name, _, name = path.partition(":")
    return getattr(importlib.import_module(module_name), name)


def info_module(info: TaskInfo) -> str:
    """The task package's module name, from its implementation path."""
    return info.implementation.partition(":")[0].rsplit(".", 1)[0]
