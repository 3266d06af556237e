"""Push publishing: integer versions, atomic rename, no overwrite, idempotent per model."""
from __future__ import annotations

import os

from tfpipe.components.push import STAGING_PREFIX, publish
from tfpipe.components.versions import pushed_versions


def fake_model(tmp_path, name: str) -> str:
    folder = tmp_path / name
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(name.encode())
    (folder / "learning_curves.png").write_bytes(b"png")
    return str(folder)


def test_versions_increase_and_never_overwrite(tmp_path):
    base = str(tmp_path / "serving" / "m")
    os.makedirs(os.path.join(base, "7"))
    version, path = publish(fake_model(tmp_path, "a"), base, "key-a")
    assert version == 8 and path == os.path.join(base, "8")
    assert sorted(os.listdir(os.path.join(base, "8"))) == ["assets.extra", "saved_model.pb",
                                                            "variables"]
    assert publish(fake_model(tmp_path, "b"), base, "key-b")[0] == 9
    assert pushed_versions(base) == [7, 8, 9]


def test_same_model_is_not_pushed_twice(tmp_path):
    base = str(tmp_path / "serving" / "m")
    first = publish(fake_model(tmp_path, "a"), base, "key-a")
    assert publish(fake_model(tmp_path, "a2"), base, "key-a") == first
    assert pushed_versions(base) == [1]


def test_leftover_staging_of_a_dead_push_is_removed_and_never_a_version(tmp_path):
    base = tmp_path / "serving" / "m"
    (base / f"{STAGING_PREFIX}key-x-999999999-deadbeef").mkdir(parents=True)
    live = f"{STAGING_PREFIX}key-y-{os.getppid()}-cafebabe"  # another push still copying
    (base / live).mkdir()
    publish(fake_model(tmp_path, "a"), str(base), "key-a")
    assert sorted(os.listdir(base)) == sorted(["1", live])
