"""The package layout: import paths are file paths, and dependencies run one way."""
from __future__ import annotations

import ast
import importlib.util
import os

import pytest

import tfpipe

PACKAGE = os.path.dirname(os.path.abspath(tfpipe.__file__))
# The command layer sits on top of everything: it may import components and task packages.
COMMAND_MODULES = {"cli.py", "local_run.py", "export_cli.py", "models_command.py",
                   "serve_command.py", "predict_command.py", "runs.py", "ui.py"}
LAYERS = {"tfpipe": 0, "tfpipe.components": 1, "tfpipe.pipelines": 2}


def python_files(folder: str) -> list[str]:
    """Every .py file under folder (following the package's symlinked sub-packages)."""
    return sorted(os.path.join(root, name) for root, _, names in os.walk(folder)
                  for name in names if name.endswith(".py"))


def imported_modules(path: str) -> set[str]:
    """Absolute module names a file imports, at top level or inside functions."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer_of(module: str) -> int | None:
    """0 framework, 1 components, 2 pipelines; None outside tfpipe."""
    if not (module == "tfpipe" or module.startswith("tfpipe.")):
        return None
    for prefix, layer in sorted(LAYERS.items(), key=lambda item: -item[1]):
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return 0


@pytest.mark.parametrize("folder, layer", [("", 0), ("components", 1), ("pipelines", 2)])
def test_no_module_imports_a_higher_layer(folder, layer):
    root = os.path.join(PACKAGE, folder) if folder else PACKAGE
    files = python_files(root) if folder else [
        os.path.join(PACKAGE, name) for name in os.listdir(PACKAGE)
        if name.endswith(".py") and name not in COMMAND_MODULES]
    upward = [(os.path.relpath(path, PACKAGE), name) for path in files
              for name in imported_modules(path) if (layer_of(name) or 0) > layer]
    assert upward == [], "imports from a higher layer (tfpipe <- components <- pipelines)"


@pytest.mark.parametrize("module", ["tfpipe.runner", "tfpipe.cache", "tfpipe.components.train",
                                    "tfpipe.components.blessing", "tfpipe.pipelines.standard",
                                    "tfpipe.pipelines.text.models", "tfpipe.schemas"])
def test_every_import_path_is_a_file_path(module):
    origin = importlib.util.find_spec(module).origin
    relative = module.split(".", 1)[1].replace(".", os.sep)
    expected = {os.path.join(PACKAGE, relative + ".py"),
                os.path.join(PACKAGE, relative, "__init__.py")}
    assert origin in expected and os.path.isfile(origin)


def test_the_checkout_is_the_package_tools_resolve():
    for folder in ("components", "pipelines", "schemas"):
        linked = os.path.realpath(os.path.join(PACKAGE, folder))
        assert os.path.isfile(os.path.join(linked, "__init__.py")), folder
