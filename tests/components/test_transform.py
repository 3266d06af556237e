"""Transform: tasks may complete their params from ingest's train statistics."""
from __future__ import annotations

import json
from types import SimpleNamespace

from tfpipe.components.transform import with_ingest_facts
from tfpipe.pipelines.artifacts import Statistics


def statistics_with(tmp_path, train: dict) -> Statistics:
    (tmp_path / "train.json").write_text(json.dumps(train))
    return Statistics(uri=str(tmp_path))


def test_params_are_kept_when_the_task_has_no_hook(tmp_path):
    module = SimpleNamespace()
    assert with_ingest_facts(module, {"a": 1}, Statistics(uri=str(tmp_path))) == {"a": 1}


def test_the_task_hook_sees_the_train_statistics(tmp_path):
    module = SimpleNamespace(transform_params=lambda params, stats: {**params, "n": stats["count"]})
    stats = statistics_with(tmp_path, {"count": 7})
    assert with_ingest_facts(module, {"a": 1}, stats) == {"a": 1, "n": 7}
