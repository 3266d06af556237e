"""Evaluate: candidate vs task baselines and the champion on the same eval examples."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfpipe.artifacts import Examples, Model, ModelEvaluation, Statistics
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.context import RunContext
from tfpipe.registry import load_task
from tfpipe.task import Task


@component
def evaluate(context: RunContext, task: Parameter[str], params: Parameter[dict],
             champion: Parameter[dict], examples: Input[Examples],
             statistics: Input[Statistics], model: Input[Model],
             evaluation: Output[ModelEvaluation]) -> Report:
    """Score everything on the eval split, check thresholds, write blessing.json."""
    from tfpipe.components import blessing, charts, eval_stream
    from tfpipe.components.scoring import load_signature

    hooks = load_task(task)
    spec = hooks.raw_feature_spec(params)
    with open(statistics.path("summary.json"), encoding="utf-8") as handle:
        stats = json.load(handle)
    models = {"candidate": load_signature(model.uri)}
    champion_note = None
    if champion:
        try:
            models["champion"] = load_signature(champion["path"])
        except Exception as error:  # an incompatible champion must not block a new model
            champion_note = _champion_note(champion, error)
    context.log("scoring the candidate on the eval split")
    scored = score_batches(hooks, eval_stream.raw_batches(examples.uri, "eval", spec),
                           models, stats, params, keep=hooks.plot_columns)
    if scored.dropped is not None:
        champion_note = _champion_note(champion, scored.dropped)
    if champion_note:
        context.log(champion_note)
    labels, predictions = scored.labels, scored.predictions
    context.log(f"scored {len(labels)} eval examples")
    scores = {name: hooks.metrics(labels, preds) for name, preds in predictions.items()}
    candidate = scores.pop("candidate")
    # Drawn by the figure helper while the checks and files below are made.
    plots = [charts.candidate_vs_baselines(candidate, scores, evaluation.uri)]
    task_baselines = {k: v for k, v in scores.items() if k != "champion"}
    checks = hooks.value_checks(candidate, task_baselines, params)
    if "champion" in scores:
        metric = hooks.info.primary_metric
        checks.append(blessing.change_check(
            metric, candidate[metric], scores["champion"][metric],
            params["champion_relative_tolerance"], params["champion_absolute_tolerance"]))
    decision = blessing.decide(checks, params.get("force_bless", ""))
    decision.update({"candidate": candidate, "baselines": scores,
                     "eval_examples": int(len(labels)),
                     "champion": ({**champion, **{"metrics": scores.get("champion")}}
                                  if champion else None),
                     "champion_note": champion_note})
    with open(evaluation.path("blessing.json"), "w", encoding="utf-8") as handle:
        json.dump(decision, handle, indent=2, default=float)
    arrays: dict[str, Any] = {name: np.asarray(p) for name, p in predictions.items()}
    np.savez(evaluation.path("predictions.npz"), **arrays)
    # Plots read the eval columns they use (labels, time), one at a time, never the features.
    plots += hooks.plots(eval_stream.Columns(examples.uri, "eval", spec, scored.columns),
                         predictions, evaluation.uri)
    verdict = "blessed" if decision["blessed"] else "not blessed"
    context.log(f"{verdict}: {decision['reason']}")
    # Candidate and baseline metrics go on the parent run from blessing.json (tracking).
    metrics = {"eval_examples": float(len(labels))}
    tags = {"blessed": str(decision["blessed"]).lower()}
    if decision["forced"]:
        tags["forced_blessing"] = params["force_bless"]
    return Report(metrics=metrics, plots=[f"evaluation/{p}" for p in plots], tags=tags,
                  summary={"blessed": decision["blessed"], "reason": decision["reason"],
                           "metrics": {"candidate": candidate, "baselines": scores}})


@dataclass
class Scored:
    """Labels and every model's and baseline's predictions over a whole split."""

    labels: Any
    predictions: dict[str, Any]
    dropped: Exception | None = None  # why the champion could not be scored, if it could not
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # the raw columns kept


def score_batches(hooks: Task, batches: Iterable[dict[str, np.ndarray]],
                  models: dict[str, Any], statistics: dict[str, Any],
                  params: dict[str, Any], keep: Iterable[str] = ()) -> Scored:
    """Score raw eval batches one at a time: models through their signature, baselines by the
    task; only labels and predictions (a few numbers per example) outlive each batch.

    The hooks are row-wise (each example's labels, inputs and baseline predictions depend on
    it and the train statistics alone), so the joined results equal a whole-split call. A
    champion failing on any batch is dropped, as it would be on the whole split.
    """
    from tfpipe.components.scoring import call_batched

    labels: list[np.ndarray] = []
    parts: dict[str, list[np.ndarray]] = {}
    kept: dict[str, list[np.ndarray]] = {name: [] for name in keep}
    dropped = None
    for raw in batches:
        labels.append(np.asarray(hooks.eval_labels(raw)))
        for name, values in kept.items():
            values.append(np.asarray(raw[name]))
        inputs = hooks.eval_inputs(raw)
        batch = {"candidate": hooks.eval_predictions(call_batched(models["candidate"], inputs))}
        batch.update(hooks.baselines(raw, statistics, params))
        if "champion" in models:
            try:
                batch["champion"] = hooks.eval_predictions(
                    call_batched(models["champion"], inputs))
            except Exception as error:  # an incompatible champion must not block a new model
                dropped, models = error, {"candidate": models["candidate"]}
                parts.pop("champion", None)
        for name, predictions in batch.items():
            parts.setdefault(name, []).append(np.asarray(predictions))
    return Scored(labels=np.concatenate(labels) if labels else np.zeros((0,)),
                  predictions={name: np.concatenate(values) for name, values in parts.items()},
                  dropped=dropped,
                  columns={name: np.concatenate(values) for name, values in kept.items()})


def _champion_note(champion: dict[str, Any], error: Exception) -> str:
    """Why the champion was left out of the comparison."""
    return f"champion version {champion['version']} could not be scored on this eval data: " \
           f"{error}"
