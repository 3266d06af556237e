"""Cache keys and the reasons a component runs."""
from __future__ import annotations

from tfpipe import cache


def test_key_is_canonical_over_param_order():
    assert cache.cache_key({"params": {"a": 1, "b": 2}}) == cache.cache_key(
        {"params": {"b": 2, "a": 1}})


def test_explain_change_names_nested_params_and_inputs():
    old = {"params": {"params": {"epochs": 40, "seed": 1}}, "inputs": {"model": "k1"},
           "libraries": {"tensorflow": "2.21.0"}}
    new = {"params": {"params": {"epochs": 5, "seed": 1}}, "inputs": {"model": "k2"},
           "libraries": {"tensorflow": "2.21.0"}}
    reason = cache.explain_change(old, new)
    assert "params changed: params.epochs" in reason and "inputs changed: model" in reason
    assert cache.explain_change(None, new) == "no earlier run"
    assert "interrupted" in cache.explain_change(new, new)


def test_library_versions_are_read_without_importing():
    import sys

    versions = cache.library_versions()
    assert set(versions) == set(cache.KEYED_LIBRARIES)
    assert "tensorflow" not in sys.modules or versions["tensorflow"] != "absent"
