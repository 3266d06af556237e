"""The vision task's hooks (tfpipe.task.Task); components load this module once."""
from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from tfpipe.components.classification import (
    accuracy_checks,
    MAJORITY,
    majority_from_counts,
    metric_classes,
    named_classification_metrics,
    named_confusion_matrix,
    plot_confusion_matrix,
)
from tfpipe.errors import InputError
from tfpipe.pipelines.vision import TASK
from tfpipe.pipelines.vision.config import VisionSettings
from tfpipe.pipelines.vision.digits import write_default_data
from tfpipe.pipelines.vision.features import (
    CLASS_NAMES,
    IMAGE_KEY,
    IMAGE_SHAPE_KEY,
    IMAGE_XF,
    LABEL_KEY,
    LABEL_VOCAB,
    LABEL_XF,
)
from tfpipe.pipelines.vision import features, serving
from tfpipe.pipelines.vision.model import build_model as build
from tfpipe.pipelines.vision.model import compile_model
from tfpipe.pipelines.vision.preprocessing import make_preprocessing_fn
from tfpipe.pipelines.vision.serving import (
    IMAGE_BYTES,
    OUTPUT_CLASS_NAME,
    decode_names,
    encode_png_batch,
    image_bytes_to_features,
)
from tfpipe.pipelines.vision.sources import build_manifest, count_images, detect_kind
from tfpipe.pipelines.vision.split import assign_splits
from tfpipe.pipelines.vision.transfer import content_digest
from tfpipe.settings import from_params
from tfpipe.task import Task


def _settings(params: dict[str, Any]) -> VisionSettings:
    """A component's params as the task's typed settings, parsed once per distinct params."""
    return from_params(VisionSettings, params)


def _shape(params: dict[str, Any]) -> tuple[tuple[int, int], int]:
    """Resolved (image_size, channels) of a run."""
    settings = _settings(params)
    if settings.image_size is None or not settings.channels:
        raise InputError("image_size and channels are unresolved: set them with --set "
                         "image_size=HxW --set channels=1|3")
    return settings.image_size, settings.channels


class VisionTask(Task[VisionSettings]):
    """vision: see tfpipe.task.Task for each hook's contract."""

    info = TASK
    plot_columns = (LABEL_KEY,)

    def default_data(self, directory: str, config: dict[str, Any]) -> str:
        """Write scikit-learn's bundled 8x8 digits as a .npz (offline)."""
        return write_default_data(directory)

    def resolve_config(self, config: dict[str, Any], data: str) -> dict[str, Any]:
        """Fill image_size/channels from the data (native size of arrays; 64x64x3 for folders),
        and fingerprint base_model so a changed base re-runs train."""
        manifest = build_manifest(data, _settings(config))
        resolved = dict(config)
        resolved["image_size"] = list(manifest.image_size)
        resolved["channels"] = manifest.channels
        if config["base_model"]:
            resolved["base_model"] = os.path.abspath(config["base_model"])
            resolved["base_model_digest"] = content_digest(resolved["base_model"])
        return resolved

    def precheck(self, data: str, params: dict[str, Any]) -> None:
        """The data path has a layout vision reads."""
        detect_kind(data, _settings(params))

    def expected_examples(self, data: str, params: dict[str, Any]) -> int | None:
        """One record per image (or quarantined file)."""
        return count_images(data, _settings(params))

    def read_examples(self, root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
        """Beam: images -> train/eval example dicts and quarantined files."""
        from tfpipe.pipelines.vision.beam_ingest import ReadImageExamples  # Beam: not at load

        config = _settings(params)
        manifest = build_manifest(data, config)
        splits = assign_splits(manifest.labels, config.split_index, config.eval_fraction,
                               config.seed)
        return root | "ReadImageExamples" >> ReadImageExamples(manifest, splits,
                                                              config.ingest_batch_size)

    def raw_feature_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """Parsing spec of ingested image examples."""
        return features.raw_feature_spec(*_shape(params))

    def preprocessing_fn(self, params: dict[str, Any]) -> Callable[[dict], dict]:
        """Scale pixels; index class names with a tf.Transform vocabulary."""
        size, channels = _shape(params)
        return make_preprocessing_fn(size, channels, _settings(params).pixel_scaling)

    def build_model(self, params: dict[str, Any], tft_output: Any) -> Any:
        """The book's CNN (or a transfer model), compiled for the vocabulary's classes."""
        config = _settings(params)
        size, channels = _shape(params)
        num_classes = tft_output.vocabulary_size_by_name(LABEL_VOCAB)
        model = build((size[0], size[1], channels), num_classes, config)
        return compile_model(model, num_classes, config.learning_rate)

    def model_inputs(self, transformed: dict[str, Any]) -> Any:
        """Scaled images."""
        return {IMAGE_XF: transformed[IMAGE_XF]}

    def model_label(self, transformed: dict[str, Any]) -> Any:
        """Class index in the label vocabulary."""
        return transformed[LABEL_XF]

    def serving_input_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """A batch of PNG/JPEG bytes."""
        return serving.serving_input_spec()

    def serving_features(self, raw: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Decode and resize the encoded images in the graph."""
        return image_bytes_to_features(raw[IMAGE_BYTES], *_shape(params))

    def serving_constants(self, tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
        """The class names, in model-index order, from the tf.Transform vocabulary."""
        return {CLASS_NAMES: [v.decode("utf-8") if isinstance(v, bytes) else str(v)
                              for v in tft_output.vocabulary_by_name(LABEL_VOCAB)]}

    def example_signature_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """The tf.Example signature parses the pixels."""
        return features.example_signature_spec(*_shape(params))

    def serving_outputs(self, predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
        """Probabilities per class, class index, class name and score."""
        return serving.serving_outputs(predictions, transformed)

    def eval_inputs(self, raw: dict[str, Any]) -> dict[str, Any]:
        """serving_default inputs: the eval images encoded as PNG bytes."""
        return {IMAGE_BYTES: encode_png_batch(raw[IMAGE_KEY], raw[IMAGE_SHAPE_KEY])}

    def eval_labels(self, raw: dict[str, Any]) -> Any:
        """Class names of the eval images."""
        return decode_names(raw[LABEL_KEY])

    def eval_predictions(self, outputs: dict[str, Any]) -> Any:
        """Predicted class names."""
        return decode_names(outputs[OUTPUT_CLASS_NAME])

    def metrics(self, labels: Any, predictions: Any) -> dict[str, float]:
        """Accuracy, macro and per-class precision and recall."""
        return named_classification_metrics(labels, predictions, metric_classes(labels))

    def baselines(self, raw: dict[str, Any], statistics: dict[str, Any],
                  params: dict[str, Any]) -> dict[str, Any]:
        """The majority class of the train split, for every eval image."""
        counts = statistics["splits"]["train"].get("value_counts", {}).get(LABEL_KEY)
        if not counts:
            raise InputError("ingest statistics hold no train label counts for the majority "
                             "baseline")
        count = len(raw[LABEL_KEY])
        return {MAJORITY: np.asarray([majority_from_counts(counts)] * count, dtype=str)}

    def value_checks(self, candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                     params: dict[str, Any]) -> list[Any]:
        """accuracy >= (1 + margin) * majority accuracy, and >= min_accuracy when set."""
        settings = self.settings(params)
        return accuracy_checks(candidate, baselines, settings.margin, settings.min_accuracy)

    def device_spec(self, tft_output: Any, params: dict[str, Any]) -> Any:
        """float32 pixels (the transform's scaling folded in) -> class probabilities."""
        from tfpipe.pipelines.vision.device import device_spec

        names = self.serving_constants(tft_output, params)[CLASS_NAMES]
        return device_spec(*_shape(params), names)

    def plots(self, raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
        """Confusion matrices of the candidate (and the champion, when scored)."""
        labels = self.eval_labels(raw)
        classes = metric_classes(labels)
        written = []
        for name in ("candidate", "champion"):
            if name in predictions:
                file_name = f"confusion_matrix_{name}.png"
                plot_confusion_matrix(named_confusion_matrix(labels, predictions[name], classes),
                                      classes, os.path.join(directory, file_name),
                                      title=f"Confusion matrix ({name}, {len(labels)} eval images)")
                written.append(file_name)
        return written

