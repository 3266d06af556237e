"""Evaluate: candidate vs task baselines and the champion on the same eval examples."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from tfpipe.artifacts import Examples, Model, ModelEvaluation, Statistics
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.context import RunContext
from tfpipe.registry import load_task


@component
def evaluate(context: RunContext, task: Parameter[str], params: Parameter[dict],
             champion: Parameter[dict], examples: Input[Examples],
             statistics: Input[Statistics], model: Input[Model],
             evaluation: Output[ModelEvaluation]) -> Report:
    """Score everything on the eval split, check thresholds, write blessing.json."""
    from tfpipe.components import blessing, charts, tfrecords
    from tfpipe.components.scoring import call_batched, load_signature

    hooks = load_task(task)
    raw = tfrecords.load_split(examples.uri, "eval", hooks.raw_feature_spec(params))
    labels = hooks.eval_labels(raw)
    inputs = hooks.eval_inputs(raw)
    context.log(f"scoring the candidate on {len(labels)} eval examples")
    predictions = {"candidate": hooks.eval_predictions(
        call_batched(load_signature(model.uri), inputs))}
    with open(statistics.path("summary.json"), encoding="utf-8") as handle:
        stats = json.load(handle)
    predictions.update(hooks.baselines(raw, stats, params))
    champion_note = None
    if champion:
        try:
            predictions["champion"] = hooks.eval_predictions(
                call_batched(load_signature(champion["path"]), inputs))
        except Exception as error:  # an incompatible champion must not block a new model
            champion_note = f"champion version {champion['version']} could not be scored " \
                            f"on this eval data: {error}"
            context.log(champion_note)
    scores = {name: hooks.metrics(labels, preds) for name, preds in predictions.items()}
    candidate = scores.pop("candidate")
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
    plots = [charts.candidate_vs_baselines(candidate, scores, evaluation.uri)]
    plots += hooks.plots(raw, predictions, evaluation.uri)
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
