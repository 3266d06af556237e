"""Transform: tf.Transform analyzes the train split only and transforms every split."""
from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from tfpipe.pipelines.artifacts import Examples, Statistics, TransformGraph
from tfpipe.pipelines.component import Input, Output, Parameter, Report, component
from tfpipe.pipelines.context import RunContext
from tfpipe.pipelines.tasks import load_task

SPLITS = ("train", "eval")


@component
def transform(context: RunContext, task: Parameter[str], params: Parameter[dict],
              examples: Input[Examples], statistics: Input[Statistics],
              transform_graph: Output[TransformGraph],
              transformed_examples: Output[Examples]) -> Report:
    """Fit the task's preprocessing_fn on train; write the transform graph and both splits."""
    import apache_beam as beam
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import schema_utils
    from tfx_bsl.public import tfxio

    from tfpipe.pipelines import tfrecords

    module = load_task(task)
    params = with_ingest_facts(module, params, statistics)
    schema = schema_utils.schema_from_feature_spec(module.raw_feature_spec(params))
    preprocessing_fn = module.preprocessing_fn(params)
    context.log("analyzing the train split and transforming every split")
    with context.beam_pipeline() as root, tft_beam.Context(
            temp_dir=context.scratch_dir("tft"), force_tf_compat_v1=False):
        sources = {}
        for split in SPLITS:
            reader = tfxio.TFExampleRecord(
                file_pattern=tfrecords.split_files(examples.uri, split), schema=schema)
            sources[split] = (root | f"Read{split}" >> reader.BeamSource(),
                              reader.TensorAdapterConfig())
        transform_fn = (sources["train"]
                        | "Analyze" >> tft_beam.AnalyzeDataset(preprocessing_fn))
        _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(transform_graph.uri)
        for split in SPLITS:
            (data, _) = ((sources[split], transform_fn)
                         | f"Transform{split}" >> tft_beam.TransformDataset(
                             output_record_batches=True))
            _ = (data
                 | f"Encode{split}" >> beam.FlatMap(encode_batch)
                 | f"Write{split}" >> beam.io.WriteToTFRecord(
                     tfrecords.split_prefix(transformed_examples.uri, split),
                     file_name_suffix=tfrecords.SUFFIX))
    return Report(summary={"splits": list(SPLITS)})


def with_ingest_facts(module: ModuleType, params: dict[str, Any],
                      statistics: Statistics) -> dict[str, Any]:
    """Params completed from ingest's train statistics by the task's `transform_params`."""
    if not hasattr(module, "transform_params"):
        return params
    with open(statistics.path("train.json"), encoding="utf-8") as handle:
        return module.transform_params(params, json.load(handle))


def encode_batch(batch_and_passthrough: tuple[Any, Any]) -> list[bytes]:
    """Serialize a transformed RecordBatch to tf.Example bytes with features in name order."""
    # The coder writes each example's feature map in an order that changes from run to run;
    # the bytes must not, since train's validation split hashes them. Deterministic
    # serialization sorts the map by key.
    from tensorflow.core.example import example_pb2
    from tfx_bsl.coders import example_coder

    return [example_pb2.Example.FromString(raw).SerializeToString(deterministic=True)
            for raw in example_coder.RecordBatchToExamples(batch_and_passthrough[0])]
