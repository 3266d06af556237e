"""What a reviewer reads in MLflow, as plain data: the decision, the data, resolved params.

Metric names put the metric first and the model second (`mae/candidate`, `mae/naive`,
`mae/champion`): MLflow groups charts by the part before `/` and sorts columns by name, so
the candidate and every baseline sit side by side in the run page and the compare view.
"""
from __future__ import annotations

import json
import os
from typing import Any, Mapping

from tfpipe.config import RunPaths

CANDIDATE = "candidate"
# Keys of the parent run's description (MLflow renders `mlflow.note.content` as Markdown).
NOTE_TAG = "mlflow.note.content"
# MLflow's UI opens such an experiment as classic model training, not GenAI.
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}


def model_metrics(decision: Mapping[str, Any]) -> dict[str, float]:
    """`<metric>/<model>` for the candidate and every baseline (champion included)."""
    metrics = {f"{name}/{CANDIDATE}": float(value)
               for name, value in decision.get("candidate", {}).items()}
    for baseline, values in (decision.get("baselines") or {}).items():
        metrics.update({f"{name}/{baseline}": float(value) for name, value in values.items()})
    return metrics


def check_key(check: Mapping[str, Any]) -> str:
    """A metric-name-safe key of one check, e.g. `mae_vs_naive`."""
    return f"{check['metric']}_vs_{check['against']}".replace(" ", "_")


def decision_metrics(decision: Mapping[str, Any]) -> dict[str, float]:
    """Model metrics plus the blessing and both numbers of every check."""
    metrics = model_metrics(decision)
    metrics["blessing/blessed"] = float(bool(decision["blessed"]))
    metrics["blessing/forced"] = float(bool(decision.get("forced")))
    metrics["blessing/would_have_passed"] = float(bool(decision.get("would_have_passed",
                                                                    decision["blessed"])))
    for check in decision.get("checks", []):
        key = check_key(check)
        metrics[f"check/{key}/value"] = float(check["value"])
        metrics[f"check/{key}/threshold"] = float(check["threshold"])
        metrics[f"check/{key}/passed"] = float(bool(check["passed"]))
    return metrics


def decision_tags(decision: Mapping[str, Any]) -> dict[str, str]:
    """Tags a runs table can show as columns: blessed, forced, would have passed, reason."""
    tags = {"tfpipe.blessed": str(bool(decision["blessed"])).lower(),
            "tfpipe.blessing_reason": str(decision["reason"])[:5000],
            "tfpipe.would_have_passed": str(bool(decision.get("would_have_passed",
                                                              decision["blessed"]))).lower()}
    if decision.get("forced"):
        tags["tfpipe.forced_blessing"] = str(decision["reason"])[:5000]
    return tags


def model_version_path(name: str, version: str | int) -> str:
    """The MLflow UI route of a registered model version (relative to the server's root)."""
    return f"#/models/{name}/versions/{version}"


def decision_note(decision: Mapping[str, Any], pushed_version: int | None,
                  registered: Mapping[str, Any] | None) -> str:
    """The parent run's description: verdict, a candidate-vs-baselines table, every check."""
    forced = " (forced)" if decision.get("forced") else ""
    lines = [f"**{'Blessed' if decision['blessed'] else 'Not blessed'}{forced}**: "
             f"{decision['reason']}", ""]
    candidate = decision.get("candidate", {})
    baselines = decision.get("baselines") or {}
    names = sorted(candidate)
    if names:
        lines += ["| model | " + " | ".join(names) + " |",
                  "|---|" + "---|" * len(names)]
        for model, values in [(CANDIDATE, candidate), *sorted(baselines.items())]:
            lines.append(f"| {model} | " + " | ".join(
                f"{values[n]:.6g}" if n in values else "" for n in names) + " |")
        lines.append("")
    for check in decision.get("checks", []):
        mark, negation = ("passed", "") if check["passed"] else ("FAILED", "not ")
        lines.append(f"- {mark}: {check['name']}: {check['metric']} {check['value']:.6g} "
                     f"{negation}{check['comparison']} {check['threshold']:.6g}")
    if pushed_version is not None:
        lines.append("")
        link = ""
        if registered:
            link = (f"; registered model [{registered['name']} version {registered['version']}]"
                    f"({model_version_path(registered['name'], registered['version'])})")
        lines.append(f"Pushed as TF Serving version {pushed_version}{link}.")
    else:
        lines += ["", "Nothing pushed."]
    return "\n".join(lines)


def logged_config(config: Mapping[str, Any], paths: RunPaths,
                  experiment_name: str) -> dict[str, Any]:
    """Config as params: defaults that the run fills are resolved; unset options are left out.

    A None left after resolution means "not set" (e.g. no seasonal period), which MLflow
    shows as an empty cell; it is never logged as the text "None".
    """
    resolved = dict(config)
    resolved.update({"serving_dir": paths.serving, "mlflow_tracking_uri": paths.tracking_uri,
                     "experiment_name": experiment_name})
    return {key: value for key, value in resolved.items() if value is not None}


def dataset_entity(data: str, fingerprint: str, counts: Mapping[str, int]) -> Any:
    """The input data as an MLflow dataset: its source, content fingerprint and split sizes."""
    import warnings

    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.entities import Dataset as DatasetEntity

    with warnings.catch_warnings():  # MLflow registers its local source twice; either fits
        warnings.simplefilter("ignore", UserWarning)
        source = resolve_dataset_source(os.path.abspath(data))
    name = os.path.basename(os.path.normpath(data))
    meta = MetaDataset(source=source, name=name,  # type: ignore[abstract]  # concrete in MLflow
                       digest=fingerprint[:36]).to_dict()
    return DatasetEntity(name=meta["name"], digest=meta["digest"],
                         source_type=meta["source_type"], source=meta["source"],
                         profile=json.dumps({"num_examples": dict(counts),
                                             "fingerprint": fingerprint}))
