"""Serving labels: stable follows pushes, canary when asked, rollback to blessed versions only."""
from __future__ import annotations

import os

import pytest

from tfpipe.components import serving_labels as sl
from tfpipe.errors import InputError
from tfpipe.serving import state as st


def test_each_push_becomes_stable_and_is_recorded(tmp_path, add_version):
    base = str(tmp_path / "m")
    assert sl.served_labels(base) == {} and sl.served_version(base) is None
    add_version(base, 1)
    assert sl.record_push(base, 1, canary=False) == {"stable": 1}
    add_version(base, 2)
    assert sl.record_push(base, 2, canary=False) == {"stable": 2}
    events = st.load_state(base)["events"]
    assert [(e["action"], e["version"], e["label"]) for e in events] == [
        ("push", 1, "stable"), ("push", 2, "stable")]
    assert all(e["by"] and e["at"].endswith("Z") for e in events)


def test_canary_push_keeps_stable_and_a_repeated_push_keeps_labels(tmp_path, add_version):
    base = str(tmp_path / "m")
    add_version(base, 1)
    assert sl.record_push(base, 1, canary=True) == {"stable": 1}  # nothing to trial against
    add_version(base, 2)
    assert sl.record_push(base, 2, canary=True) == {"stable": 1, "canary": 2}
    sl.serve_version(base, 1, "rollback")
    assert sl.record_push(base, 2, canary=False) == {"stable": 1}  # already pushed: unchanged


def test_without_labels_the_highest_version_is_served(tmp_path, add_version):
    base = str(tmp_path / "m")
    add_version(base, 1)
    add_version(base, 3)
    assert sl.served_labels(base) == {"stable": 3}


def test_rollback_serves_the_previous_blessed_version_and_records_it(tmp_path, add_version):
    base = str(tmp_path / "m")
    for version, blessed in ((1, True), (2, False), (3, True)):
        add_version(base, version, blessed)
        st.update_state(base, lambda s, v=version: s.update(labels={"stable": v}))
    assert sl.rollback_target(base) == 1  # 2 was never blessed
    entry = sl.serve_version(base, sl.rollback_target(base), "rollback")
    assert (entry["from"], entry["to"], entry["action"]) == (3, 1, "rollback")
    assert sl.served_version(base) == 1
    assert st.load_state(base)["events"][-1] == entry
    with pytest.raises(InputError, match="no blessed version below the served version 1"):
        sl.rollback_target(base)


def test_missing_or_unblessed_targets_are_refused(tmp_path, add_version):
    base = str(tmp_path / "m")
    add_version(base, 1)
    add_version(base, 2, blessed=False)
    add_version(base, 3, blessed=None)
    with pytest.raises(InputError, match=r"model m has no version 7 .*\(versions: 1, 2, 3\)"):
        sl.serve_version(base, 7, "rollback")
    with pytest.raises(InputError, match="version 2 cannot be served: it was not blessed"):
        sl.serve_version(base, 2, "rollback")
    with pytest.raises(InputError, match="version 3 cannot be served: no push record"):
        sl.serve_version(base, 3, "rollback")
    assert st.load_state(base)["events"] == []


def test_a_deleted_stable_version_falls_back_to_the_highest(tmp_path, add_version):
    base = str(tmp_path / "m")
    add_version(base, 1)
    add_version(base, 2)
    sl.serve_version(base, 1, "rollback")
    os.remove(os.path.join(base, "1", "saved_model.pb"))
    assert sl.served_labels(base) == {"stable": 2}
