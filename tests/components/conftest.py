"""Fixtures of the component tests: fake pushed versions under a model base path."""
from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest

from tfpipe.components import serving_labels as sl


@pytest.fixture
def add_version() -> Callable[..., None]:
    """Make a version folder with a SavedModel file and (unless blessed is None) a push record."""

    def add(base: str, version: int, blessed: bool | None = True) -> None:
        folder = os.path.join(base, str(version))
        os.makedirs(os.path.join(folder, "assets.extra"), exist_ok=True)
        open(os.path.join(folder, "saved_model.pb"), "wb").close()
        if blessed is not None:
            with open(os.path.join(folder, sl.PUSH_MARKER), "w") as handle:
                json.dump({"model_key": f"k{version}", "blessed": blessed}, handle)

    return add
