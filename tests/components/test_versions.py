"""Pushed versions: only integer folders under the model base path count."""
from __future__ import annotations

import os

from tfpipe.components.versions import pushed_versions, version_dir


def test_only_integer_folders_are_versions_in_numeric_order(tmp_path):
    base = tmp_path / "m"
    for name in ("2", "10", "1", ".staging-k-123-abcd", "notes"):
        (base / name).mkdir(parents=True)
    (base / "3").write_text("a file, not a version")
    assert pushed_versions(str(base)) == [1, 2, 10]
    assert version_dir(str(base), 10) == os.path.join(str(base), "10")


def test_no_base_path_means_no_versions(tmp_path):
    assert pushed_versions(str(tmp_path / "absent")) == []
