"""The interface every task package implements; the five components call only this.

A task package (`pipelines/<task>/__init__.py`) is a module with the attributes and
functions below. Its `__init__` must not import TensorFlow, Beam or MLflow at import time:
the runner loads it for every cache check. `precheck`, `resolve_config`, `transform_params`,
`serving_features`, `serving_constants`, `example_signature_spec` and `VALIDATION_ORDER` are
optional (no check; config as is; params as is; identity; none; the serving inputs' raw
features; train validates on a hashed sample of train records).

`model_inputs`, `model_label`, `serving_features` and `serving_outputs` are traced by
tf.data and tf.function without autograph: they must not branch in Python on tensor values
(use tf.cond / tf.where); a hook that does fails when the model is built or exported.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Protocol


class TaskModule(Protocol):
    """What a task supplies: config, data reading, preprocessing, model, scoring."""

    NAME: str
    DEFAULTS: Mapping[str, Any]            # task config keys and defaults
    TYPES: Mapping[str, type]              # types of keys whose default is None
    PARAM_GROUPS: Mapping[str, tuple[str, ...]]  # component name -> config keys it reads
    PRIMARY_METRIC: str                    # the metric of the champion change threshold
    # Optional: an int64 transformed feature ordering the records (e.g. time); train then
    # early-stops on the last `validation_fraction` of train records by it.
    VALIDATION_ORDER: str

    def validate_config(self, config: dict[str, Any]) -> None:
        """Raise InputError naming the key when the config cannot work."""

    def default_data(self, directory: str, config: dict[str, Any]) -> str:
        """Write (or locate) the embedded offline default data; return its path."""

    def resolve_config(self, config: dict[str, Any], data: str) -> dict[str, Any]:
        """Fill data-dependent keys (e.g. native image size) once the data path is known."""

    def precheck(self, data: str, params: dict[str, Any]) -> None:
        """Cheap checks before Beam starts (file exists, columns); raise InputError."""

    def read_examples(self, root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
        """Beam: {'train', 'eval', 'quarantine'} PCollections of dict examples / bad records."""

    def raw_feature_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """tf.io parsing spec of the examples ingest writes."""

    def transform_params(self, params: dict[str, Any],
                         train_statistics: dict[str, Any]) -> dict[str, Any]:
        """Transform params completed with facts ingest found (e.g. the label set)."""

    def preprocessing_fn(self, params: dict[str, Any]) -> Callable[[dict], dict]:
        """The tf.Transform preprocessing_fn."""

    def build_model(self, params: dict[str, Any], tft_output: Any) -> Any:
        """A compiled Keras model taking model_inputs(transformed)."""

    def model_inputs(self, transformed: dict[str, Any]) -> Any:
        """Model inputs from transformed features."""

    def model_label(self, transformed: dict[str, Any]) -> Any:
        """Training label from transformed features."""

    def serving_input_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """TensorSpecs of serving_default's raw inputs."""

    def serving_features(self, raw: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Raw serving inputs -> the raw features the transform graph expects (in-graph)."""

    def serving_constants(self, tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
        """Values (e.g. class names) added to `transformed` for serving_outputs."""

    def example_signature_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """Parsing spec of the tf.Example signature's input (default: serving input keys)."""

    def serving_outputs(self, predictions: Any, transformed: dict[str, Any]) -> dict:
        """Model outputs -> serving outputs in the user's units."""

    def eval_inputs(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Numpy raw eval examples -> serving_default inputs."""

    def eval_labels(self, raw: dict[str, Any]) -> Any:
        """Numpy labels of the eval examples."""

    def eval_predictions(self, outputs: dict[str, Any]) -> Any:
        """The prediction array metrics are computed on, from serving outputs."""

    def metrics(self, labels: Any, predictions: Any) -> dict[str, float]:
        """Lower-case metric names to values."""

    def baselines(self, raw: dict[str, Any], statistics: dict[str, Any],
                  params: dict[str, Any]) -> dict[str, Any]:
        """Baseline name -> predictions on the same eval examples."""

    def value_checks(self, candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                     params: dict[str, Any]) -> list[Any]:
        """Value thresholds (blessing.Check) for the candidate."""

    def plots(self, raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
        """Write evaluation PNGs into directory; return their file names."""
