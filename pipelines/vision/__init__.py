"""Vision task: image classification with CNNs, augmentation and transfer learning.

Implements the TaskModule interface of tfpipe.task. Heavy modules are imported
inside the functions so loading this package for a cache check stays fast.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from tfpipe.errors import InputError
from tfpipe.pipelines.vision import config as vision_config

NAME = "vision"
PRIMARY_METRIC = "accuracy"
DEFAULTS: dict[str, Any] = {
    **vision_config.defaults(),
    "max_bad_fraction": 0.1,        # quarantined / listed above this fails the ingest
    "validation_fraction": 0.0,     # slice of train held out for early stopping
    "patience": 3,
    "margin": 0.05,                 # accuracy >= (1 + margin) * majority-class accuracy
    "min_accuracy": 0.0,            # an absolute floor as well, when above 0
    "base_model_digest": None,      # filled by resolve_config: base_model content in the key
}
TYPES: dict[str, type] = {"image_size": str, "channels": int, "class_names": str,
                          "split_index": int, "base_model_digest": str}
_SHAPE = ("image_size", "channels")
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": _SHAPE + ("class_names", "images", "labels", "split_index", "eval_fraction",
                        "seed", "ingest_batch_size"),
    "transform": _SHAPE + ("pixel_scaling",),
    "train": _SHAPE + ("conv_filters", "kernel_size", "dense_units", "dropout", "augment_flip",
                       "augment_rotation", "augment_zoom", "augment_translation",
                       "base_model", "base_model_digest", "base_layer", "fine_tune_layers",
                       "epochs", "batch_size", "learning_rate", "validation_fraction",
                       "patience", "seed"),
    "evaluate": _SHAPE + ("margin", "min_accuracy", "champion_relative_tolerance",
                          "champion_absolute_tolerance", "force_bless"),
}


def validate_config(config: dict[str, Any]) -> None:
    """Reject configs no run could use, naming the key."""
    vision_config.parse_config(config)
    for key in ("max_bad_fraction", "validation_fraction", "margin", "min_accuracy"):
        if not 0.0 <= float(config[key]) <= 1.0:
            raise InputError(f"config {key}={config[key]!r}: must be in [0, 1]")
    if config["base_model"] and not os.path.exists(config["base_model"]):
        raise InputError(f"config base_model={config['base_model']}: no such file or folder "
                         "(transfer learning reads a local model; nothing is downloaded)")


def default_data(directory: str, config: dict[str, Any]) -> str:
    """Write scikit-learn's bundled 8x8 digits as a .npz (offline)."""
    from tfpipe.pipelines.vision.digits import write_default_data

    return write_default_data(directory)


def resolve_config(config: dict[str, Any], data: str) -> dict[str, Any]:
    """Fill image_size/channels from the data (native size of arrays; 64x64x3 for folders),
    and fingerprint base_model so a changed base re-runs train."""
    from tfpipe.pipelines.vision.sources import build_manifest

    manifest = build_manifest(data, vision_config.parse_config(config))
    resolved = dict(config)
    resolved["image_size"] = list(manifest.image_size)
    resolved["channels"] = manifest.channels
    if config["base_model"]:
        from tfpipe.pipelines.vision.transfer import content_digest

        resolved["base_model"] = os.path.abspath(config["base_model"])
        resolved["base_model_digest"] = content_digest(resolved["base_model"])
    return resolved


def precheck(data: str, params: dict[str, Any]) -> None:
    """The data path has a layout vision reads."""
    from tfpipe.pipelines.vision.sources import detect_kind

    detect_kind(data, vision_config.parse_config(params))


def _shape(params: dict[str, Any]) -> tuple[tuple[int, int], int]:
    """Resolved (image_size, channels) of a run."""
    size = vision_config.parse_size(params.get("image_size"))
    if size is None or not params.get("channels"):
        raise InputError("image_size and channels are unresolved: set them with --set "
                         "image_size=HxW --set channels=1|3")
    return size, int(params["channels"])


def read_examples(root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
    """Beam: images -> train/eval example dicts and quarantined files."""
    from tfpipe.pipelines.vision.beam_ingest import ReadImageExamples
    from tfpipe.pipelines.vision.sources import build_manifest
    from tfpipe.pipelines.vision.split import assign_splits

    config = vision_config.parse_config(params)
    manifest = build_manifest(data, config)
    splits = assign_splits(manifest.labels, config.split_index, config.eval_fraction,
                           config.seed)
    return root | "ReadImageExamples" >> ReadImageExamples(manifest, splits,
                                                          config.ingest_batch_size)


def raw_feature_spec(params: dict[str, Any]) -> dict[str, Any]:
    """Parsing spec of ingested image examples."""
    from tfpipe.pipelines.vision.features import raw_feature_spec as spec

    return spec(*_shape(params))


def preprocessing_fn(params: dict[str, Any]) -> Callable[[dict], dict]:
    """Scale pixels; index class names with a tf.Transform vocabulary."""
    from tfpipe.pipelines.vision.preprocessing import make_preprocessing_fn

    size, channels = _shape(params)
    return make_preprocessing_fn(size, channels, params.get("pixel_scaling", "unit"))


def build_model(params: dict[str, Any], tft_output: Any) -> Any:
    """The book's CNN (or a transfer model), compiled for the vocabulary's classes."""
    from tfpipe.pipelines.vision.features import LABEL_VOCAB
    from tfpipe.pipelines.vision.model import build_model as build, compile_model

    config = vision_config.parse_config(params)
    size, channels = _shape(params)
    num_classes = tft_output.vocabulary_size_by_name(LABEL_VOCAB)
    model = build((size[0], size[1], channels), num_classes, config)
    return compile_model(model, num_classes, config.learning_rate)


def model_inputs(transformed: dict[str, Any]) -> Any:
    """Scaled images."""
    from tfpipe.pipelines.vision.features import IMAGE_XF

    return {IMAGE_XF: transformed[IMAGE_XF]}


def model_label(transformed: dict[str, Any]) -> Any:
    """Class index in the label vocabulary."""
    from tfpipe.pipelines.vision.features import LABEL_XF

    return transformed[LABEL_XF]


def serving_input_spec(params: dict[str, Any]) -> dict[str, Any]:
    """A batch of PNG/JPEG bytes."""
    from tfpipe.pipelines.vision.serving import serving_input_spec as spec

    return spec()


def serving_features(raw: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Decode and resize the encoded images in the graph."""
    from tfpipe.pipelines.vision.serving import IMAGE_BYTES, image_bytes_to_features

    return image_bytes_to_features(raw[IMAGE_BYTES], *_shape(params))


def serving_constants(tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The class names, in model-index order, from the tf.Transform vocabulary."""
    from tfpipe.pipelines.vision.features import CLASS_NAMES, LABEL_VOCAB

    return {CLASS_NAMES: [v.decode("utf-8") if isinstance(v, bytes) else str(v)
                          for v in tft_output.vocabulary_by_name(LABEL_VOCAB)]}


def example_signature_spec(params: dict[str, Any]) -> dict[str, Any]:
    """The tf.Example signature parses the pixels."""
    from tfpipe.pipelines.vision.features import example_signature_spec as spec

    return spec(*_shape(params))


def serving_outputs(predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
    """Probabilities per class, class index, class name and score."""
    from tfpipe.pipelines.vision.serving import serving_outputs as outputs

    return outputs(predictions, transformed)


def eval_inputs(raw: dict[str, Any]) -> dict[str, Any]:
    """serving_default inputs: the eval images encoded as PNG bytes."""
    from tfpipe.pipelines.vision.features import IMAGE_KEY, IMAGE_SHAPE_KEY
    from tfpipe.pipelines.vision.serving import IMAGE_BYTES, encode_png_batch

    return {IMAGE_BYTES: encode_png_batch(raw[IMAGE_KEY], raw[IMAGE_SHAPE_KEY])}


def eval_labels(raw: dict[str, Any]) -> Any:
    """Class names of the eval images."""
    from tfpipe.pipelines.vision.features import LABEL_KEY
    from tfpipe.pipelines.vision.serving import decode_names

    return decode_names(raw[LABEL_KEY])


def eval_predictions(outputs: dict[str, Any]) -> Any:
    """Predicted class names."""
    from tfpipe.pipelines.vision.serving import OUTPUT_CLASS_NAME, decode_names

    return decode_names(outputs[OUTPUT_CLASS_NAME])


def metrics(labels: Any, predictions: Any) -> dict[str, float]:
    """Accuracy, macro and per-class precision and recall."""
    from tfpipe.pipelines.vision.scoring import classification_metrics, metric_classes

    return classification_metrics(labels, predictions, metric_classes(labels))


def baselines(raw: dict[str, Any], statistics: dict[str, Any],
              params: dict[str, Any]) -> dict[str, Any]:
    """The majority class of the train split, for every eval image."""
    import numpy as np

    from tfpipe.pipelines.vision.scoring import MAJORITY, majority_from_counts
    from tfpipe.pipelines.vision.features import LABEL_KEY

    counts = statistics["splits"]["train"].get("value_counts", {}).get(LABEL_KEY)
    if not counts:
        raise InputError("ingest statistics hold no train label counts for the majority "
                         "baseline")
    count = len(raw[LABEL_KEY])
    return {MAJORITY: np.asarray([majority_from_counts(counts)] * count, dtype=str)}


def value_checks(candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                 params: dict[str, Any]) -> list[Any]:
    """accuracy >= (1 + margin) * majority accuracy, and >= min_accuracy when set."""
    from tfpipe.components.blessing import relative_to_baseline, value_check

    checks = [relative_to_baseline("accuracy", candidate["accuracy"], baselines,
                                   params["margin"])]
    if params["min_accuracy"] > 0:
        checks.append(value_check(f"accuracy >= min_accuracy {params['min_accuracy']:g}",
                                  "accuracy", candidate["accuracy"], params["min_accuracy"],
                                  "min_accuracy"))
    return checks


def plots(raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
    """Confusion matrices of the candidate (and the champion, when scored)."""
    from tfpipe.pipelines.vision.charts import plot_confusion_matrix
    from tfpipe.pipelines.vision.scoring import confusion_matrix, metric_classes

    labels = eval_labels(raw)
    classes = metric_classes(labels)
    written = []
    for name in ("candidate", "champion"):
        if name in predictions:
            file_name = f"confusion_matrix_{name}.png"
            plot_confusion_matrix(confusion_matrix(labels, predictions[name], classes),
                                  classes, os.path.join(directory, file_name),
                                  title=f"Confusion matrix ({name}, {len(labels)} eval images)")
            written.append(file_name)
    return written
