"""The task contract: a light TaskInfo for the CLI and cache, and the Task hooks components call.

A task package `pipelines/<task>/` declares `TASK = TaskInfo(...)` in its `__init__` (no
TensorFlow, Beam or MLflow import there: the CLI and every cache check load it) and subclasses
`Task` in one module, named by `TaskInfo.implementation`, that components load once.

Hooks are grouped by the component that calls them. Required hooks are abstract: a subclass
that misses one cannot be instantiated, and the registry names what is missing. Optional hooks
have working defaults here, so nothing probes with hasattr.

`model_inputs`, `model_label`, `serving_features` and `serving_outputs` are traced by tf.data
and tf.function without autograph: they must not branch in Python on tensor values (use
tf.cond / tf.where); a hook that does fails when the model is built or exported.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Generic, Mapping, TypeVar, cast

from tfpipe import settings as settings_module
from tfpipe.device import DeviceSpec
from tfpipe.settings import Settings

Params = dict[str, Any]
S = TypeVar("S", bound=Settings)


@dataclass(frozen=True)
class Command:
    """A task's own sub-command of `tfpipe` (e.g. `generate`), loaded only when it runs."""

    name: str
    help: str
    description: str
    add_arguments: str   # "module:function(parser)" adding the command's arguments
    run: str             # "module:function(args) -> int" running it


@dataclass(frozen=True)
class TaskInfo:
    """What the CLI, config resolution and cache checks need of a task, with no heavy import."""

    name: str                                     # the `tfpipe run` name
    settings: type[Settings]                      # every config key, its type and checks
    param_groups: Mapping[str, tuple[str, ...]]   # component name -> config keys it reads
    primary_metric: str                           # the metric of the champion change threshold
    implementation: str                           # "module:Class" of the Task subclass
    summary: str = ""                             # one line for `tfpipe --help`
    commands: tuple[Command, ...] = field(default_factory=tuple)

    @property
    def defaults(self) -> dict[str, Any]:
        """Every config key with its default."""
        return settings_module.defaults(self.settings)

    @property
    def default_model_name(self) -> str:
        """TF Serving and registry model name when the config sets none."""
        return self.name.replace("-", "_")


class Task(ABC, Generic[S]):
    """Base class of every task; a subclass implements the abstract hooks."""

    info: ClassVar[TaskInfo]
    # An int64 transformed feature ordering the records (e.g. time): train then early-stops on
    # the last `validation_fraction` of train records by it instead of a hashed sample.
    validation_order: ClassVar[str | None] = None
    # Quarantine reason -> what it means and what to do; ingest quotes it when a split ends
    # up empty because its rows were quarantined.
    quarantine_reasons: ClassVar[dict[str, str]] = {}
    # Raw eval columns `plots` reads: evaluate keeps them while it scores, so the eval split
    # is read once. A column asked for but not listed is still read, in a second pass.
    plot_columns: ClassVar[tuple[str, ...]] = ()

    def settings(self, params: Mapping[str, Any]) -> S:
        """A component's params as the task's typed settings (keys it does not use: defaults)."""
        return cast(S, settings_module.from_params(self.info.settings, params))

    # ---- tfpipe run: before the pipeline ----

    @abstractmethod
    def default_data(self, directory: str, config: Params) -> str:
        """Write (or locate) the embedded offline default data; return its path."""

    def resolve_config(self, config: Params, data: str) -> Params:
        """Fill data-dependent keys (e.g. native image size) once the data path is known."""
        return config

    def filled_defaults(self, config: Params) -> Params:
        """Config as tracked: keys whose None default the task fills with a value, filled."""
        return config

    # ---- ingest ----

    def precheck(self, data: str, params: Params) -> None:
        """Cheap checks before Beam starts (file exists, columns); raise InputError."""

    def expected_examples(self, data: str, params: Params) -> int | None:
        """About how many records ingest will read (a progress estimate); None if unknown."""
        return None

    @abstractmethod
    def read_examples(self, root: Any, data: str, params: Params) -> dict[str, Any]:
        """Beam: {'train', 'eval', 'quarantine'} PCollections of dict examples / bad records."""

    @abstractmethod
    def raw_feature_spec(self, params: Params) -> dict[str, Any]:
        """tf.io parsing spec of the examples ingest writes."""

    # ---- transform ----

    def transform_params(self, params: Params, train_statistics: dict[str, Any]) -> Params:
        """Transform params completed with facts ingest found (e.g. the label set)."""
        return params

    @abstractmethod
    def preprocessing_fn(self, params: Params) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """The tf.Transform preprocessing_fn."""

    def transform_facts(self, tft_output: Any, params: Params) -> dict[str, float]:
        """Numbers the fitted transform learned (e.g. scaling mean and std), for reviewers."""
        return {}

    # ---- train: model and training examples ----

    @abstractmethod
    def build_model(self, params: Params, tft_output: Any) -> Any:
        """A compiled Keras model taking model_inputs(transformed)."""

    @abstractmethod
    def model_inputs(self, transformed: dict[str, Any]) -> Any:
        """Model inputs from transformed features."""

    @abstractmethod
    def model_label(self, transformed: dict[str, Any]) -> Any:
        """Training label from transformed features."""

    # ---- train: the exported SavedModel's signatures ----

    @abstractmethod
    def serving_input_spec(self, params: Params) -> dict[str, Any]:
        """TensorSpecs of serving_default's raw inputs."""

    def serving_features(self, raw: dict[str, Any], params: Params) -> dict[str, Any]:
        """Raw serving inputs -> the raw features the transform graph expects (in-graph)."""
        return raw

    def serving_constants(self, tft_output: Any, params: Params) -> dict[str, Any]:
        """Values (e.g. class names) added to `transformed` for serving_outputs."""
        return {}

    def example_signature_spec(self, params: Params) -> dict[str, Any] | None:
        """Parsing spec of the tf.Example signature's input (None: the serving input keys)."""
        return None

    @abstractmethod
    def serving_outputs(self, predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
        """Model outputs -> serving outputs in the user's units."""

    def extra_signatures(self, parts: Any, tft_output: Any, params: Params) -> dict[str, Any]:
        """More named signatures (concrete functions) for the SavedModel, e.g. `generate`."""
        return {}

    # ---- evaluate and push ----
    # Evaluate, push and the device export stream the eval split (components/eval_stream.py):
    # eval_inputs, eval_labels, eval_predictions and baselines are called once per batch of
    # examples and must be row-wise (each row's result depends on that row and the train
    # statistics only); metrics get the whole split's labels and predictions, and plots a
    # dict whose columns are read on first access (ask only for per-example scalars).

    @abstractmethod
    def eval_inputs(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Numpy raw eval examples -> serving_default inputs."""

    @abstractmethod
    def eval_labels(self, raw: dict[str, Any]) -> Any:
        """Numpy labels of the eval examples."""

    @abstractmethod
    def eval_predictions(self, outputs: dict[str, Any]) -> Any:
        """The prediction array metrics are computed on, from serving outputs."""

    @abstractmethod
    def metrics(self, labels: Any, predictions: Any) -> dict[str, float]:
        """Lower-case metric names to values."""

    @abstractmethod
    def baselines(self, raw: dict[str, Any], statistics: dict[str, Any],
                  params: Params) -> dict[str, Any]:
        """Baseline name -> predictions on the same eval examples."""

    @abstractmethod
    def value_checks(self, candidate: dict[str, float],
                     baselines: dict[str, dict[str, float]], params: Params) -> list[Any]:
        """Value thresholds (components.blessing.Check) for the candidate."""

    def plots(self, raw: dict[str, Any], predictions: dict[str, Any],
              directory: str) -> list[str]:
        """Write evaluation PNGs into directory; return their file names."""
        return []

    # ---- device_export (only when the config lists `exports`) ----

    def device_spec(self, tft_output: Any, params: Params) -> DeviceSpec | None:
        """The device model's inputs, outputs and files (None: this task has no device model).

        Called before the trained Keras model is loaded: import the modules registering its
        custom layers here.
        """
        return None


def required_hooks() -> list[str]:
    """Names of the hooks every task must implement."""
    return sorted(getattr(Task, "__abstractmethods__", ()))
