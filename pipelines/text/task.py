"""The text task's hooks (tfpipe.task.Task); components load this module once."""
from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any, Callable

import numpy as np
from tfpipe.components.classification import (
    accuracy_checks,
    classification_metrics,
    confusion_matrix,
    plot_confusion_matrix,
)
from tfpipe.errors import InputError
from tfpipe.pipelines.text import NAME, TASK
from tfpipe.pipelines.text.config import TextSettings
from tfpipe.pipelines.text.folders import (FOLDERS, check_folders_data, list_documents,
                                           looks_like_class_folders, read_document)
from tfpipe.pipelines.text.demo_corpus import write_default_sentiment
from tfpipe.pipelines.text.features import (
    LABEL_INDEX_KEY,
    LABEL_KEY,
    LABEL_VOCAB,
    SEQUENCE_LENGTH_KEY,
    TEXT_KEY,
    TOKENS_KEY,
    VOCAB_NAME,
    num_token_ids,
    pad_to_length,
)
from tfpipe.pipelines.text.features import raw_feature_spec as spec
from tfpipe.pipelines.text.glove import embedding_matrix
from tfpipe.pipelines.text.lengths import (AUTO, choose_model, fitted_sequence_length,
                                           length_facts)
from tfpipe.pipelines.text.majority import majority_baseline, num_classes_from
from tfpipe.pipelines.text.models import build_classifier
from tfpipe.pipelines.text.preprocessing import make_preprocessing_fn
from tfpipe.pipelines.text.feasibility import check_both_splits
from tfpipe.pipelines.text.readers import (
    EXPLANATIONS,
    Row,
    check_files_have_rows,
    estimated_rows,
    list_input_files,
    read_labelled_file,
)
from tfpipe.pipelines.text.split import check_label, infer_label_values
from tfpipe.pipelines.text.stopwords import load_stopwords
from tfpipe.settings import from_params
from tfpipe.task import Task

# TensorFlow is imported inside the hooks that build graphs: ingest runs this module in a
# forked child while the parent imports TensorFlow (tfpipe/warm_start.py), and the child
# must not import it too.


def _settings(params: dict[str, Any]) -> TextSettings:
    """A component's params as the task's typed settings, parsed once per distinct params."""
    return from_params(TextSettings, params)


def _files_and_reader(data: str, params: dict[str, Any]
                      ) -> tuple[list[str], Callable[[str], Any]]:
    """Input files and the row reader for them."""
    reader = _settings(params)
    try:
        if _is_class_folders(data, reader):
            files = list_documents(data, reader.file_pattern, reader.label_values)
            return files, functools.partial(read_document, root=data, encoding=reader.encoding)
        files = list_input_files(data, reader.file_pattern, reader.format)
    except FileNotFoundError as error:
        raise InputError(str(error)) from None
    return files, functools.partial(read_labelled_file, cfg=reader)


def _is_class_folders(data: str, reader: TextSettings) -> bool:
    """format=folders, or a folder with no data files at its top but documents in sub-folders."""
    if reader.format == FOLDERS:
        return True
    if reader.format is not None or not os.path.isdir(data):
        return False
    try:
        list_input_files(data, reader.file_pattern, None)
        return False
    except FileNotFoundError:
        return looks_like_class_folders(data, reader.file_pattern)


def _labelled_reader(read: Callable[[str], Any], label_values: tuple[str, ...] | None
                     ) -> Callable[[str], Any]:
    """A reader that also rejects labels outside the configured set."""
    if not label_values:
        return read
    allowed = label_values

    def checked(path: str) -> Any:
        """Rows of one file, labels checked."""
        for item in read(path):
            yield check_label(item, allowed) if isinstance(item, Row) else item

    return checked


def class_names(tft_output: Any, params: dict[str, Any]) -> list[str]:
    """Label names in label-index order: as configured, else sorted like ingest sorts them."""
    configured = _settings(params).label_values
    if configured:
        return list(configured)
    names = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
             for v in tft_output.vocabulary_by_name(LABEL_VOCAB)]
    return list(infer_label_values(names))



def _check_num_classes(count: int) -> None:
    """A classifier needs at least two label values in the train split."""
    if count < 2:
        raise InputError(f"the train split has {count} label value(s); a classifier needs "
                         "at least 2 (check label_column and label_values)")


class TextTask(Task[TextSettings]):
    """text: see tfpipe.task.Task for each hook's contract."""

    info = TASK
    quarantine_reasons = EXPLANATIONS
    plot_columns = (LABEL_INDEX_KEY, LABEL_KEY)

    def default_data(self, directory: str, config: dict[str, Any]) -> str:
        """Write the seeded templated sentiment corpus (TSV with a header)."""
        return write_default_sentiment(directory)

    def resolve_config(self, config: dict[str, Any], data: str) -> dict[str, Any]:
        """The config as given, once format=folders is known to name a folder of classes."""
        if _settings(config).format == FOLDERS:
            check_folders_data(data)
        return config

    def precheck(self, data: str, params: dict[str, Any]) -> None:
        """Files exist, columns exist, every data file has a valid row, and both splits get one.

        Class folders are only listed: a bad document is quarantined, not fatal, and
        max_bad_fraction bounds how many there may be.
        """
        files, read = _files_and_reader(data, params)
        cfg = _settings(params)
        if _is_class_folders(data, cfg):
            return
        try:
            check_files_have_rows(files, _labelled_reader(read, cfg.label_values))
            check_both_splits(data, files, read, cfg.eval_fraction, cfg.split_seed, "row")
        except (ValueError, UnicodeError) as error:
            raise InputError(str(error)) from None

    def expected_examples(self, data: str, params: dict[str, Any]) -> int | None:
        """One record per document of class folders, else about one per data line."""
        files, _ = _files_and_reader(data, params)
        cfg = _settings(params)
        if _is_class_folders(data, cfg):
            return len(files)
        return sum(estimated_rows(path, cfg) for path in files)

    def read_examples(self, root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
        """Beam: files -> {'train', 'eval', 'quarantine'} with labels checked and indexed."""
        from tfpipe.pipelines.text.beam_ingest import IngestText  # Beam: not at load

        cfg = _settings(params)
        files, read = _files_and_reader(data, params)
        outputs = root | "IngestText" >> IngestText(files, read, cfg.eval_fraction,
                                                    cfg.split_seed, True,
                                                    cfg.label_values)
        return {k: outputs[k] for k in ("train", "eval", "quarantine")}

    def raw_feature_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """text, label name and label index."""
        return spec(NAME)

    def transform_params(self, params: dict[str, Any], train_statistics: dict[str, Any]
                         ) -> dict[str, Any]:
        """label_values as ingest used them: configured, else inferred from the train labels."""
        counts = train_statistics.get("value_counts", {}).get(LABEL_KEY)
        if _settings(params).label_values or not counts:
            return params  # configured, or too many distinct labels for the statistics to list
        inferred = infer_label_values(counts)
        _check_num_classes(len(inferred))
        return {**params, "label_values": list(inferred)}

    def preprocessing_fn(self, params: dict[str, Any]) -> Callable[[dict], dict]:
        """Clean, tokenize, vocabulary with OOV buckets, truncate at the train percentile."""
        cfg = _settings(params)
        stopwords = load_stopwords(cfg.stopwords_file) if cfg.remove_stopwords \
            else ()
        return make_preprocessing_fn(cfg, cfg, stopwords, cfg.label_values)

    def transform_facts(self, tft_output: Any, params: dict[str, Any]) -> dict[str, float]:
        """The fitted sequence length and whether it is long (what model=auto goes by)."""
        length = fitted_sequence_length(tft_output)
        return length_facts(length, _settings(params).long_text_tokens)

    def build_model(self, params: dict[str, Any], tft_output: Any) -> Any:
        """Pooled, BiLSTM or Conv1D classifier sized from the transform's vocabularies.

        model=auto: Conv1D for sentences, pooled embeddings when the fitted sequence length
        exceeds long_text_tokens (tfpipe.pipelines.text.lengths says why).
        """
        cfg = _settings(params)
        vocabulary = [w.decode("utf-8", "replace") if isinstance(w, bytes) else w
                      for w in tft_output.vocabulary_by_name(VOCAB_NAME)]
        num_tokens = num_token_ids(len(vocabulary), cfg.oov_buckets)
        num_classes = tft_output.vocabulary_size_by_name(LABEL_VOCAB)
        _check_num_classes(num_classes)
        matrix = None
        if cfg.pretrained_embeddings:
            try:
                matrix, _ = embedding_matrix(cfg.pretrained_embeddings, vocabulary, num_tokens,
                                             cfg.seed)
            except ValueError as error:  # config checks only the first lines of the file
                raise InputError(f"config pretrained_embeddings="
                                 f"{cfg.pretrained_embeddings!r}: {error}") from None
        if cfg.model == AUTO:
            model = choose_model(cfg.model, fitted_sequence_length(tft_output),
                                 cfg.long_text_tokens)
            cfg = dataclasses.replace(cfg, model=model)
        return build_classifier(cfg, num_tokens, len(vocabulary), num_classes, matrix)

    def model_inputs(self, transformed: dict[str, Any]) -> Any:
        """Token ids padded with 0 to the fitted sequence length."""
        return pad_to_length(transformed[TOKENS_KEY], transformed[SEQUENCE_LENGTH_KEY])

    def model_label(self, transformed: dict[str, Any]) -> Any:
        """Label index."""
        return transformed[LABEL_KEY]

    def serving_input_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """A batch of raw sentences."""
        import tensorflow as tf

        return {TEXT_KEY: tf.TensorSpec([None], tf.string, name=TEXT_KEY)}

    def serving_constants(self, tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
        """Class names for serving_outputs, taken from the transform's label vocabulary."""
        return {"class_names": class_names(tft_output, params)}

    def serving_outputs(self, predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
        """Class probabilities (label-index order), the top class index and its name."""
        import tensorflow as tf

        class_id = tf.argmax(predictions, axis=1, output_type=tf.int64)
        return {"probabilities": predictions, "class_id": class_id,
                "label": tf.gather(transformed["class_names"], class_id)}

    def eval_inputs(self, raw: dict[str, Any]) -> dict[str, Any]:
        """serving_default inputs from raw eval examples."""
        return {TEXT_KEY: raw[TEXT_KEY]}

    def eval_labels(self, raw: dict[str, Any]) -> Any:
        """Label indices."""
        return raw[LABEL_INDEX_KEY]

    def eval_predictions(self, outputs: dict[str, Any]) -> Any:
        """Class probabilities."""
        return outputs["probabilities"]

    def metrics(self, labels: Any, predictions: Any) -> dict[str, float]:
        """accuracy, precision, recall, f1 and (two classes) roc_auc."""
        return classification_metrics(labels, predictions)

    def baselines(self, raw: dict[str, Any], statistics: dict[str, Any],
                  params: dict[str, Any]) -> dict[str, Any]:
        """The majority class of the train split."""
        label_values = _settings(params).label_values
        classes = max(num_classes_from(statistics, label_values), 2)
        return {"majority": majority_baseline(statistics, classes, len(raw[TEXT_KEY]))}

    def value_checks(self, candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                     params: dict[str, Any]) -> list[Any]:
        """accuracy >= (1 + margin) * majority accuracy, and >= min_accuracy when set."""
        settings = _settings(params)
        return accuracy_checks(candidate, baselines, settings.margin, settings.min_accuracy)

    def device_spec(self, tft_output: Any, params: dict[str, Any]) -> Any:
        """Token ids (the transform's output; vocabulary shipped) -> class probabilities."""
        from tfpipe.pipelines.text.device import device_spec

        settings = _settings(params)
        return device_spec(tft_output, class_names(tft_output, params), settings,
                           settings.oov_buckets)

    def plots(self, raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
        """The candidate's confusion matrix."""
        probabilities = np.asarray(predictions["candidate"])
        names = [f"class {i}" for i in range(probabilities.shape[1])]
        for index, label in zip(raw[LABEL_INDEX_KEY], raw[LABEL_KEY]):
            names[int(index)] = label.decode("utf-8", "replace") if isinstance(label, bytes) \
                else str(label)
        matrix = confusion_matrix(raw[LABEL_INDEX_KEY], probabilities.argmax(axis=1),
                                  probabilities.shape[1])
        name = "confusion_matrix.png"
        plot_confusion_matrix(matrix, names, os.path.join(directory, name),
                              title="candidate on the eval split")
        return [name]

