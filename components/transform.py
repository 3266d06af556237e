"""Transform: tf.Transform fits on the train split and, unless told not to, writes it transformed.

The eval split is not transformed here: evaluate scores the raw eval examples through the
exported serving signature, the way TF Serving will see them, so a transformed copy would
be written for nobody (it cost about 0.4 s of the 3,000-sentence text run). With a task's
`materialize: false` (text's default) the train split is not written transformed either:
train applies the fitted graph to ingest's records in tf.data (TFX's `materialize=False`).
"""
from __future__ import annotations

import json
import os
from typing import Any

from tfpipe.artifacts import Examples, Statistics, TransformGraph
from tfpipe.component import Input, Output, Parameter, Report, component
from tfpipe.context import RunContext
from tfpipe.registry import load_task
from tfpipe.task import Task

TRANSFORMED_SPLIT = "train"
# In transformed_examples: whether the transformed train split was written. When it was not
# (a task's `materialize: false`), train reads ingest's examples through the transform graph.
MATERIALIZED_FILE = "materialized.json"
# In transform_graph: what the fitted transform learned, for reviewers (logged to MLflow).
FACTS_FILE = "facts.json"


@component
def transform(context: RunContext, task: Parameter[str], params: Parameter[dict],
              examples: Input[Examples], statistics: Input[Statistics],
              transform_graph: Output[TransformGraph],
              transformed_examples: Output[Examples]) -> Report:
    """Fit the task's preprocessing_fn on train; write the graph and, if asked, transformed train."""
    import apache_beam as beam
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import schema_utils
    from tfx_bsl.public import tfxio

    from tfpipe.beam_progress import count_into
    from tfpipe.components import tfrecords

    hooks = load_task(task)
    params = with_ingest_facts(hooks, params, statistics)
    schema = schema_utils.schema_from_feature_spec(hooks.raw_feature_spec(params))
    preprocessing_fn = hooks.preprocessing_fn(params)
    materialize = bool(params.get("materialize", True))
    graph_mode = bool(params.get("force_tf_compat_v1", False))
    context.log("fitting on the train split" + (" and transforming it" if materialize else ""))
    with context.progress("fitting on train", train_count(statistics)) as bar, \
            context.beam_pipeline() as root, tft_beam.Context(
                temp_dir=context.scratch_dir("tft"), force_tf_compat_v1=graph_mode):
        reader = tfxio.TFExampleRecord(
            file_pattern=tfrecords.split_files(examples.uri, TRANSFORMED_SPLIT), schema=schema)
        source = (root | "ReadTrain" >> reader.BeamSource()
                  | "CountTrain" >> count_into(bar.name, record_batch_rows),
                  reader.TensorAdapterConfig())
        if materialize:
            (data, _), transform_fn = (source | "AnalyzeAndTransform"
                                       >> tft_beam.AnalyzeAndTransformDataset(
                                           preprocessing_fn, output_record_batches=True))
            _ = (data
                 | "Encode" >> beam.FlatMap(encode_batch)
                 | "Write" >> beam.io.WriteToTFRecord(
                     tfrecords.split_prefix(transformed_examples.uri, TRANSFORMED_SPLIT),
                     file_name_suffix=tfrecords.SUFFIX))
        else:
            transform_fn = source | "Analyze" >> tft_beam.AnalyzeDataset(preprocessing_fn)
        _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(transform_graph.uri)
    with open(transformed_examples.path(MATERIALIZED_FILE), "w", encoding="utf-8") as handle:
        json.dump({"materialized": materialize}, handle)
    facts, files = review_facts(hooks, params, transform_graph)
    return Report(summary={"splits": [TRANSFORMED_SPLIT] if materialize else [],
                           "materialized": materialize, "force_tf_compat_v1": graph_mode},
                  metrics=facts, files=files)


def review_facts(hooks: Task, params: dict[str, Any],
                 transform_graph: TransformGraph) -> tuple[dict[str, float], list[str]]:
    """Vocabulary sizes and the task's fitted numbers, written to facts.json; files to log."""
    import tensorflow_transform as tft

    tft_output = tft.TFTransformOutput(transform_graph.uri)
    assets = os.path.join(tft.TFTransformOutput.TRANSFORM_FN_DIR, "assets")
    folder = transform_graph.path(assets)
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    facts = {f"vocabulary_size/{name}": float(tft_output.vocabulary_size_by_name(name))
             for name in names}
    facts.update(hooks.transform_facts(tft_output, params))
    with open(transform_graph.path(FACTS_FILE), "w", encoding="utf-8") as handle:
        json.dump(facts, handle, indent=2, sort_keys=True)
    files = [os.path.join("transform_graph", FACTS_FILE)]
    files += [os.path.join("transform_graph", assets, name) for name in names]
    return facts, files


def train_count(statistics: Statistics) -> int | None:
    """The train split's example count from ingest's statistics (the bar's total)."""
    try:
        with open(statistics.path("train.json"), encoding="utf-8") as handle:
            return int(json.load(handle)["count"])
    except (OSError, ValueError, KeyError):
        return None


def record_batch_rows(batch: Any) -> int:
    """Rows of one Arrow RecordBatch."""
    return int(batch.num_rows)


def is_materialized(transformed_examples: Examples) -> bool:
    """Whether transform wrote the transformed train split (artifacts before the flag: yes)."""
    path = transformed_examples.path(MATERIALIZED_FILE)
    if not os.path.exists(path):
        return True
    with open(path, encoding="utf-8") as handle:
        return bool(json.load(handle)["materialized"])


def with_ingest_facts(hooks: Task, params: dict[str, Any],
                      statistics: Statistics) -> dict[str, Any]:
    """Params completed from ingest's train statistics by the task's `transform_params`."""
    with open(statistics.path("train.json"), encoding="utf-8") as handle:
        return hooks.transform_params(params, json.load(handle))


def encode_batch(batch_and_passthrough: tuple[Any, Any]) -> list[bytes]:
    """Serialize a transformed RecordBatch to tf.Example bytes with features in name order."""
    # The coder writes each example's feature map in an order that changes from run to run;
    # the bytes must not, since train's validation split hashes them. Deterministic
    # serialization sorts the map by key.
    from tensorflow.core.example import example_pb2
    from tfx_bsl.coders import example_coder

    return [example_pb2.Example.FromString(raw).SerializeToString(deterministic=True)
            for raw in example_coder.RecordBatchToExamples(batch_and_passthrough[0])]
