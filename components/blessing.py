"""The blessing gate: value thresholds and change thresholds against the champion."""
from __future__ import annotations

import operator
from dataclasses import asdict, dataclass
from typing import Any

# Metrics where a smaller number is better; every other metric is better when larger.
LOWER_IS_BETTER = {"mae", "rmse", "mse", "loss", "perplexity"}
_OPS = {"<=": operator.le, ">=": operator.ge}


@dataclass
class Check:
    """One threshold with both numbers and the verdict."""

    name: str
    metric: str
    value: float
    comparison: str
    threshold: float
    against: str
    against_value: float | None
    passed: bool


def better_direction(metric: str) -> str:
    """'<=' when lower is better, else '>='."""
    return "<=" if metric in LOWER_IS_BETTER else ">="


def value_check(name: str, metric: str, value: float, threshold: float, against: str,
                against_value: float | None = None) -> Check:
    """value must be at least as good as threshold in the metric's direction."""
    comparison = better_direction(metric)
    return Check(name, metric, value, comparison, threshold, against, against_value,
                 bool(_OPS[comparison](value, threshold)))


def relative_to_baseline(metric: str, value: float, baselines: dict[str, dict[str, float]],
                         margin: float) -> Check:
    """Beat the best task baseline by a relative margin (e.g. mae <= 0.95 * best)."""
    lower = metric in LOWER_IS_BETTER
    name, best = (min if lower else max)(((n, m[metric]) for n, m in baselines.items()),
                                         key=lambda item: item[1])
    threshold = best * (1 - margin) if lower else best * (1 + margin)
    return value_check(f"{metric} vs best baseline ({name}), margin {margin:g}", metric, value,
                       threshold, name, best)


def change_check(metric: str, value: float, champion_value: float, relative_tolerance: float,
                 absolute_tolerance: float) -> Check:
    """Do not get worse than the champion beyond the tolerances."""
    slack = abs(champion_value) * relative_tolerance + absolute_tolerance
    lower = metric in LOWER_IS_BETTER
    threshold = champion_value + slack if lower else champion_value - slack
    return value_check(f"{metric} vs champion (rel tol {relative_tolerance:g}, "
                       f"abs tol {absolute_tolerance:g})", metric, value, threshold,
                       "champion", champion_value)


def describe(check: Check) -> str:
    """One check with both numbers, e.g. `mae 5.06 <= 5.88 (naive 6.19, margin 0.05)`."""
    against = (f" ({check.against} {check.against_value:.6g})"
               if check.against_value is not None else "")
    verdict = "passed" if check.passed else "failed"
    return (f"{verdict} {check.name}: {check.metric} {check.value:.6g} "
            f"{'' if check.passed else 'not '}{check.comparison} {check.threshold:.6g}{against}")


def decide(checks: list[Check], force_reason: str = "") -> dict[str, Any]:
    """The blessing decision with its reason, every check, and whether checks alone pass."""
    failed = [c for c in checks if not c.passed]
    would_pass = bool(checks) and not failed
    if not checks:
        verdict = "no checks configured"
    else:
        verdict = "; ".join(describe(c) for c in (failed or checks))
    if force_reason:
        blessed = True
        reason = (f"forced: {force_reason} (the checks alone would have "
                  f"{'passed' if would_pass else 'failed'}: {verdict})")
    else:
        blessed, reason = would_pass, verdict
    return {"blessed": blessed, "forced": bool(force_reason), "would_have_passed": would_pass,
            "reason": reason, "checks": [asdict(c) for c in checks]}
