"""Next-word text generation task: lines of a corpus -> a bidirectional-LSTM language model.

Implements the TaskModule interface of tfpipe.task. Heavy modules are imported
inside the functions so loading this package for a cache check stays fast. The SavedModel
also carries a `generate` signature (seed text, words, temperature, seed -> text).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from tfpipe.errors import InputError
from tfpipe.pipelines.text import config as text_config_module
from tfpipe.pipelines.text.features import TEXT_KEY, VOCAB_NAME
from tfpipe.pipelines.text_generation import config as generation_config_module

NAME = "text-generation"
PRIMARY_METRIC = "top5_accuracy"
# Other packages whose source shapes this task's artifacts (they key the cache too).
SOURCE_PACKAGES = ("tfpipe.pipelines.text",)
GENERATE_SIGNATURE = "generate"
_CONFIG_DEFAULTS = text_config_module.flat_config(generation_config_module.generation_config())
DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in _CONFIG_DEFAULTS.items() if k != "seed"},
    "patience": 5,
    "validation_fraction": 0.1,
    "margin": 0.05,
    "max_bad_fraction": 0.5,
}
TYPES: dict[str, type] = {"file_pattern": str, "sequence_length": int, "embedding_dim": int,
                          "stopwords_file": str}
_CLEANING = ("lowercase", "strip_html", "remove_punctuation", "remove_stopwords",
             "stopwords_file")
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": ("file_pattern", "encoding", "eval_fraction", "split_seed", "vocab_size",
               "min_frequency", "max_sequence_length") + _CLEANING,
    "transform": _CLEANING + ("vocab_size", "min_frequency", "oov_buckets", "sequence_length",
                              "length_percentile", "max_sequence_length", "truncating"),
    "train": ("embedding_dim", "units", "dropout", "epochs", "batch_size", "learning_rate",
              "seed", "oov_buckets", "patience", "validation_fraction"),
    "evaluate": ("margin", "champion_relative_tolerance", "champion_absolute_tolerance",
                 "force_bless"),
}


def settings(params: dict[str, Any]) -> generation_config_module.GenerationConfig:
    """The typed config from a component's params (keys it does not use keep defaults)."""
    known = set(_CONFIG_DEFAULTS)
    try:
        return generation_config_module.generation_config(
            {k: v for k, v in params.items() if k in known})
    except ValueError as error:
        raise InputError(str(error)) from None


def _stopwords(params: dict[str, Any]) -> tuple[str, ...]:
    """The stop-word list when stop-word removal is on, else nothing."""
    from tfpipe.pipelines.text.stopwords import load_stopwords

    cleaning = settings(params).cleaning
    return load_stopwords(cleaning.stopwords_file) if cleaning.remove_stopwords else ()


def validate_config(config: dict[str, Any]) -> None:
    """Reject configs that cannot work, naming the key."""
    settings(config)
    if not isinstance(config["patience"], int) or config["patience"] < 0:
        raise InputError(f"config patience={config['patience']!r}: must be >= 0")
    if not 0.0 <= float(config["validation_fraction"]) < 1.0:
        raise InputError(f"config validation_fraction={config['validation_fraction']}: "
                         "must be in [0, 1)")


def default_data(directory: str, config: dict[str, Any]) -> str:
    """Write the seeded templated ballad corpus, one line per example."""
    from tfpipe.pipelines.text_generation.demo_corpus import write_default_corpus

    return write_default_corpus(directory)


def _files(data: str, params: dict[str, Any]) -> list[str]:
    """The corpus files: the file itself, or the matching files of a folder."""
    from tfpipe.pipelines.text.readers import list_input_files

    try:
        return list_input_files(data, settings(params).reader.file_pattern, "lines")
    except FileNotFoundError as error:
        raise InputError(str(error)) from None


def precheck(data: str, params: dict[str, Any]) -> None:
    """Files exist and each has at least one non-empty, decodable line."""
    from tfpipe.pipelines.text.readers import check_files_have_rows, read_corpus_file

    read = functools.partial(read_corpus_file, encoding=settings(params).reader.encoding)
    try:
        check_files_have_rows(_files(data, params), read)
    except (ValueError, UnicodeError) as error:
        raise InputError(str(error)) from None


def read_examples(root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
    """Beam: lines -> {'train', 'eval', 'quarantine'}, with the unigram baseline's sums."""
    from tfpipe.pipelines.text_generation.beam_ingest import IngestCorpus

    cfg = settings(params)
    return root | "IngestCorpus" >> IngestCorpus(
        _files(data, params), cfg.reader.encoding, cfg.split.eval_fraction,
        cfg.split.split_seed, cfg.cleaning, cfg.vocab, _stopwords(params))


def raw_feature_spec(params: dict[str, Any]) -> dict[str, Any]:
    """The line and its per-line unigram-baseline sums (schemas/text_generation.pbtxt)."""
    from tfpipe.pipelines.text.features import raw_feature_spec as spec

    return spec(NAME)


def preprocessing_fn(params: dict[str, Any]) -> Callable[[dict], dict]:
    """Clean, tokenize, vocabulary with OOV buckets, truncate at the longest train line."""
    from tfpipe.pipelines.text.preprocessing import make_preprocessing_fn

    cfg = settings(params)
    return make_preprocessing_fn(cfg.cleaning, cfg.vocab, _stopwords(params), labelled=False)


def _vocabulary(tft_output: Any) -> list[str]:
    """The transform's word vocabulary, decoded."""
    return [w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w)
            for w in tft_output.vocabulary_by_name(VOCAB_NAME)]


def build_model(params: dict[str, Any], tft_output: Any) -> Any:
    """The bidirectional-LSTM language model over the transform's vocabulary."""
    from tfpipe.pipelines.text.features import num_token_ids
    from tfpipe.pipelines.text_generation.model import build_language_model

    cfg = settings(params)
    size = len(_vocabulary(tft_output))
    return build_language_model(cfg.model, num_token_ids(size, cfg.vocab.oov_buckets), size)


def model_inputs(transformed: dict[str, Any]) -> Any:
    """Every n-gram prefix of every line, left-padded to the longest line minus one."""
    from tfpipe.pipelines.text_generation.prefixes import line_prefixes

    return line_prefixes(transformed)[0]


def model_label(transformed: dict[str, Any]) -> Any:
    """The next word id of every prefix."""
    from tfpipe.pipelines.text_generation.prefixes import line_prefixes

    return line_prefixes(transformed)[1]


def serving_input_spec(params: dict[str, Any]) -> dict[str, Any]:
    """A batch of raw lines."""
    import tensorflow as tf

    return {TEXT_KEY: tf.TensorSpec([None], tf.string, name=TEXT_KEY)}


def serving_constants(tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The first out-of-vocabulary id (OOV next words never count as hits)."""
    return {"oov_start": 1 + len(_vocabulary(tft_output))}


def serving_outputs(predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
    """Per-line sums over its next words: top-1 and top-5 hits, log-probability, count."""
    import tensorflow as tf

    from tfpipe.pipelines.text.features import SEQUENCE_LENGTH_KEY
    from tfpipe.pipelines.text_generation.prefixes import line_prefixes
    from tfpipe.pipelines.text_generation.scoring import line_scores

    _, labels, rows = line_prefixes(transformed)
    num_lines = tf.shape(transformed[SEQUENCE_LENGTH_KEY])[0]
    return line_scores(predictions, labels, rows, num_lines, transformed["oov_start"])


def extra_signatures(parts: Any, tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
    """`generate`: seed text, number of words, temperature, seed -> text, in the graph."""
    from tfpipe.pipelines.text_generation.generate import make_generate_fn

    generate = make_generate_fn(parts.model, parts.transform, _vocabulary(tft_output),
                                settings(params).vocab.oov_buckets)
    # Only the signature is exported: a tf.function attribute would be traced again on save.
    return {GENERATE_SIGNATURE: generate.get_concrete_function()}


def eval_inputs(raw: dict[str, Any]) -> dict[str, Any]:
    """serving_default inputs from raw eval lines."""
    return {TEXT_KEY: raw[TEXT_KEY]}


def eval_labels(raw: dict[str, Any]) -> Any:
    """Number of next words per eval line."""
    return raw["next_words"]


def eval_predictions(outputs: dict[str, Any]) -> Any:
    """[lines, 4] per-line sums: top-1 hits, top-5 hits, log-probability, next words."""
    from tfpipe.pipelines.text_generation.scoring import stack_stats

    return stack_stats(outputs)


def metrics(labels: Any, predictions: Any) -> dict[str, float]:
    """top1_accuracy, top5_accuracy and perplexity over every next word."""
    from tfpipe.pipelines.text_generation.scoring import metrics_from_stats

    return metrics_from_stats(predictions)


def baselines(raw: dict[str, Any], statistics: dict[str, Any],
              params: dict[str, Any]) -> dict[str, Any]:
    """The unigram baseline: train next-word frequencies, summed per eval line at ingest."""
    from tfpipe.pipelines.text_generation.scoring import stack_stats

    return {"unigram": stack_stats({"top1_hits": raw["unigram_top1_hits"],
                                    "top5_hits": raw["unigram_top5_hits"],
                                    "log_prob": raw["unigram_log_prob"],
                                    "next_words": raw["next_words"]})}


def value_checks(candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                 params: dict[str, Any]) -> list[Any]:
    """top5_accuracy >= (1 + margin) * the unigram baseline's."""
    from tfpipe.components.blessing import relative_to_baseline

    return [relative_to_baseline("top5_accuracy", candidate["top5_accuracy"], baselines,
                                 params["margin"])]


def plots(raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
    """Top-1/top-5 accuracy of the candidate and baselines as a bar chart."""
    from tfpipe.pipelines.text_generation.charts import accuracy_bars

    return [accuracy_bars(predictions, directory)]
