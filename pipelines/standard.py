"""The standard five-component DAG, built from a task package and a resolved config."""
from __future__ import annotations

from typing import Any

from tfpipe.components.device_export import device_export
from tfpipe.components.evaluate import evaluate
from tfpipe.components.ingest import ingest
from tfpipe.components.push import push
from tfpipe.components.train import train
from tfpipe.components.transform import transform
from tfpipe.components.champion import champion_resolver
from tfpipe.components.versions import model_base
from tfpipe.config import RunPaths, pick
from tfpipe.pipeline import Node, Pipeline
from tfpipe.task import TaskInfo

# Imported by the local runner while ingest, which needs only Beam, runs in a forked child:
# the first TensorFlow import then overlaps ingest instead of following it.
WARM_IMPORTS: dict[str, tuple[str, ...]] = {
    "ingest": ("apache_beam", "tensorflow", "keras", "tensorflow_transform.beam",
               "tfx_bsl.public.tfxio")}
# Config keys of the device export besides evaluate's (the eval split and metric) and
# transform's (what the device model folds in or documents).
DEVICE_EXPORT_KEYS = ("exports", "export_tolerance", "export_calibration_examples", "tfjs_env",
                      "seed")


def create_pipeline(info: TaskInfo, config: dict[str, Any], data: str,
                    paths: RunPaths) -> Pipeline:
    """ingest -> transform -> train -> evaluate (vs baselines and champion) -> push."""
    task = info.name
    groups = info.param_groups
    name = config.get("pipeline_name") or task
    serving_base = model_base(paths.serving, config["model_name"])
    ingest_node = Node(ingest, params={
        "task": task, "data": data, "params": pick(config, groups["ingest"]),
        "max_bad_fraction": config.get("max_bad_fraction", 0.0)})
    transform_node = Node(transform, inputs={"examples": ingest_node.out("examples"),
                                             "statistics": ingest_node.out("statistics")},
                          params={"task": task, "params": pick(config, groups["transform"])})
    train_node = Node(train, inputs={
        "examples": ingest_node.out("examples"),
        "transformed_examples": transform_node.out("transformed_examples"),
        "transform_graph": transform_node.out("transform_graph")},
        params={"task": task, "params": pick(config, groups["train"])})
    evaluate_node = Node(evaluate, inputs={
        "examples": ingest_node.out("examples"), "statistics": ingest_node.out("statistics"),
        "model": train_node.out("model")},
        params={"task": task, "params": pick(config, groups["evaluate"]),
                "champion": champion_resolver(name, serving_base, candidate_node="train")})
    nodes = [ingest_node, transform_node, train_node, evaluate_node]
    evaluation = evaluate_node.out("evaluation")
    if config.get("exports"):
        nodes.append(Node(device_export, inputs={
            "examples": ingest_node.out("examples"), "model": train_node.out("model"),
            "transform_graph": transform_node.out("transform_graph"),
            "evaluation": evaluation}, params={"task": task, "params": pick(
                config, groups["evaluate"] + groups["transform"] + DEVICE_EXPORT_KEYS)}))
        evaluation = nodes[-1].out("device_evaluation")  # blessing.json plus the variants
    push_node = Node(push, inputs={
        "examples": ingest_node.out("examples"), "model": train_node.out("model"),
        "evaluation": evaluation},
        params={"task": task, "model_name": config["model_name"],
                "serving_dir": paths.serving,
                "params": pick(config, groups["evaluate"] + (
                    "push_validation_examples", "warmup_requests", "serving_canary"))})
    return Pipeline(name=name, task=task, config=config, nodes=[*nodes, push_node])
