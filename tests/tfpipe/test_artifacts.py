"""Artifacts: commit is atomic, incomplete folders are never read, stale staging is removed."""
from __future__ import annotations

import os

from tfpipe import artifacts as art


def test_commit_renames_into_place_with_record(tmp_path):
    final = str(tmp_path / "p" / "train" / "abc")
    staging = art.new_staging_dir(final)
    assert os.path.basename(staging).startswith(art.TMP_PREFIX)
    (tmp_path / "p" / "train" / os.path.basename(staging) / "f.txt").write_text("x")
    art.commit(staging, final, {"producer": "train", "key": "abc", "outputs": {}})
    record = art.read_record(final)
    assert record.key == "abc" and os.path.exists(os.path.join(final, "f.txt"))
    assert not os.path.exists(staging)


def test_folder_without_record_is_not_an_artifact(tmp_path):
    (tmp_path / "half").mkdir()
    assert art.read_record(str(tmp_path / "half")) is None
    assert art.list_records(str(tmp_path), "p", "train") == []


def test_stale_staging_of_dead_process_is_removed(tmp_path):
    dead = tmp_path / f"{art.TMP_PREFIX}abc-999999999-deadbeef"
    live = tmp_path / f"{art.TMP_PREFIX}abc-{os.getppid()}-cafebabe"
    dead.mkdir()
    live.mkdir()
    removed = art.remove_stale_staging(str(tmp_path))
    assert removed == [dead.name] and live.exists()


def test_artifact_types_are_named_by_their_class_unless_they_set_one():
    assert [t.TYPE for t in (art.Examples, art.Model, art.PushedModel)] == [
        "Examples", "Model", "PushedModel"]

    class Checkpoint(art.Model):
        TYPE = "KerasCheckpoint"

    class Unnamed(Checkpoint):
        """A subclass that sets no TYPE of its own."""

    assert (Checkpoint.TYPE, Unnamed.TYPE, art.Artifact.TYPE) == (
        "KerasCheckpoint", "Unnamed", "Artifact")
