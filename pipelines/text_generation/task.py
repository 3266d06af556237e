"""The text generation task's hooks (tfpipe.task.Task); components load this module once."""
from __future__ import annotations

import functools
from typing import Any, Callable

from tfpipe.components.blessing import relative_to_baseline
from tfpipe.errors import InputError
from tfpipe.files import count_lines
from tfpipe.pipelines.text.features import SEQUENCE_LENGTH_KEY, TEXT_KEY, VOCAB_NAME, num_token_ids
from tfpipe.pipelines.text.features import raw_feature_spec as spec
from tfpipe.pipelines.text.preprocessing import make_preprocessing_fn
from tfpipe.pipelines.text.feasibility import check_both_splits
from tfpipe.pipelines.text.readers import (
    EXPLANATIONS,
    check_files_have_rows,
    list_input_files,
    read_corpus_file,
)
from tfpipe.pipelines.text.stopwords import load_stopwords
from tfpipe.pipelines.text_generation import GENERATE_SIGNATURE, NAME, TASK
from tfpipe.pipelines.text_generation.charts import accuracy_bars
from tfpipe.pipelines.text_generation.config import GenerationSettings
from tfpipe.pipelines.text_generation.demo_corpus import write_default_corpus
from tfpipe.pipelines.text_generation.generate import make_generate_fn
from tfpipe.pipelines.text_generation.model import build_language_model
from tfpipe.pipelines.text_generation.prefixes import line_prefixes
from tfpipe.pipelines.text_generation.scoring import line_scores, metrics_from_stats, stack_stats
from tfpipe.settings import from_params
from tfpipe.task import Task

# TensorFlow is imported inside the hooks that build graphs: ingest runs this module in a
# forked child while the parent imports TensorFlow (tfpipe/warm_start.py), and the child
# must not import it too.


def _settings(params: dict[str, Any]) -> GenerationSettings:
    """A component's params as the task's typed settings, parsed once per distinct params."""
    return from_params(GenerationSettings, params)


def _stopwords(params: dict[str, Any]) -> tuple[str, ...]:
    """The stop-word list when stop-word removal is on, else nothing."""
    cleaning = _settings(params)
    return load_stopwords(cleaning.stopwords_file) if cleaning.remove_stopwords else ()


def _files(data: str, params: dict[str, Any]) -> list[str]:
    """The corpus files: the file itself, or the matching files of a folder."""
    try:
        return list_input_files(data, _settings(params).file_pattern, "lines")
    except FileNotFoundError as error:
        raise InputError(str(error)) from None


def _vocabulary(tft_output: Any) -> list[str]:
    """The transform's word vocabulary, decoded."""
    return [w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w)
            for w in tft_output.vocabulary_by_name(VOCAB_NAME)]



class TextGenerationTask(Task[GenerationSettings]):
    """text_generation: see tfpipe.task.Task for each hook's contract."""

    info = TASK
    quarantine_reasons = EXPLANATIONS

    def default_data(self, directory: str, config: dict[str, Any]) -> str:
        """Write the seeded templated ballad corpus, one line per example."""
        return write_default_corpus(directory)

    def precheck(self, data: str, params: dict[str, Any]) -> None:
        """Files exist, each has a non-empty, decodable line, and both splits get a line."""
        cfg = _settings(params)
        read = functools.partial(read_corpus_file, encoding=cfg.encoding)
        files = _files(data, params)
        try:
            check_files_have_rows(files, read, "give a text file with one sentence or line "
                                                "of verse per line (check encoding)")
            check_both_splits(data, files, read, cfg.eval_fraction, cfg.split_seed, "line")
        except (ValueError, UnicodeError) as error:
            raise InputError(str(error)) from None

    def expected_examples(self, data: str, params: dict[str, Any]) -> int | None:
        """One record per line of the corpus files."""
        return sum(count_lines(path) for path in _files(data, params))

    def read_examples(self, root: Any, data: str, params: dict[str, Any]) -> dict[str, Any]:
        """Beam: lines -> {'train', 'eval', 'quarantine'}, with the unigram baseline's sums."""
        from tfpipe.pipelines.text_generation.beam_ingest import IngestCorpus  # Beam: not at load

        cfg = _settings(params)
        return root | "IngestCorpus" >> IngestCorpus(
            _files(data, params), cfg.encoding, cfg.eval_fraction,
            cfg.split_seed, cfg, cfg, _stopwords(params))

    def raw_feature_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """The line and its per-line unigram-baseline sums (schemas/text_generation.pbtxt)."""
        return spec(NAME)

    def preprocessing_fn(self, params: dict[str, Any]) -> Callable[[dict], dict]:
        """Clean, tokenize, vocabulary with OOV buckets, truncate at the longest train line."""
        cfg = _settings(params)
        return make_preprocessing_fn(cfg, cfg, _stopwords(params), labelled=False)

    def build_model(self, params: dict[str, Any], tft_output: Any) -> Any:
        """The bidirectional-LSTM language model over the transform's vocabulary."""
        cfg = _settings(params)
        size = len(_vocabulary(tft_output))
        return build_language_model(cfg, num_token_ids(size, cfg.oov_buckets), size)

    def model_inputs(self, transformed: dict[str, Any]) -> Any:
        """Every n-gram prefix of every line, left-padded to the longest line minus one."""
        return line_prefixes(transformed)[0]

    def model_label(self, transformed: dict[str, Any]) -> Any:
        """The next word id of every prefix."""
        return line_prefixes(transformed)[1]

    def serving_input_spec(self, params: dict[str, Any]) -> dict[str, Any]:
        """A batch of raw lines."""
        import tensorflow as tf

        return {TEXT_KEY: tf.TensorSpec([None], tf.string, name=TEXT_KEY)}

    def serving_constants(self, tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
        """The first out-of-vocabulary id (OOV next words never count as hits)."""
        return {"oov_start": 1 + len(_vocabulary(tft_output))}

    def serving_outputs(self, predictions: Any, transformed: dict[str, Any]) -> dict[str, Any]:
        """Per-line sums over its next words: top-1 and top-5 hits, log-probability, count."""
        import tensorflow as tf

        _, labels, rows = line_prefixes(transformed)
        num_lines = tf.shape(transformed[SEQUENCE_LENGTH_KEY])[0]
        return line_scores(predictions, labels, rows, num_lines, transformed["oov_start"])

    def extra_signatures(self, parts: Any, tft_output: Any, params: dict[str, Any]) -> dict[str, Any]:
        """`generate`: seed text, number of words, temperature, seed -> text, in the graph."""
        generate = make_generate_fn(parts.model, parts.transform, _vocabulary(tft_output),
                                    _settings(params).oov_buckets)
        # Only the signature is exported: a tf.function attribute would be traced again on save.
        return {GENERATE_SIGNATURE: generate.get_concrete_function()}

    def eval_inputs(self, raw: dict[str, Any]) -> dict[str, Any]:
        """serving_default inputs from raw eval lines."""
        return {TEXT_KEY: raw[TEXT_KEY]}

    def eval_labels(self, raw: dict[str, Any]) -> Any:
        """Number of next words per eval line."""
        return raw["next_words"]

    def eval_predictions(self, outputs: dict[str, Any]) -> Any:
        """[lines, 4] per-line sums: top-1 hits, top-5 hits, log-probability, next words."""
        return stack_stats(outputs)

    def metrics(self, labels: Any, predictions: Any) -> dict[str, float]:
        """top1_accuracy, top5_accuracy and perplexity over every next word."""
        return metrics_from_stats(predictions)

    def baselines(self, raw: dict[str, Any], statistics: dict[str, Any],
                  params: dict[str, Any]) -> dict[str, Any]:
        """The unigram baseline: train next-word frequencies, summed per eval line at ingest."""
        return {"unigram": stack_stats({"top1_hits": raw["unigram_top1_hits"],
                                        "top5_hits": raw["unigram_top5_hits"],
                                        "log_prob": raw["unigram_log_prob"],
                                        "next_words": raw["next_words"]})}

    def value_checks(self, candidate: dict[str, float], baselines: dict[str, dict[str, float]],
                     params: dict[str, Any]) -> list[Any]:
        """top5_accuracy >= (1 + margin) * the unigram baseline's."""
        return [relative_to_baseline("top5_accuracy", candidate["top5_accuracy"], baselines,
                                     _settings(params).margin)]

    def plots(self, raw: dict[str, Any], predictions: dict[str, Any], directory: str) -> list[str]:
        """Top-1/top-5 accuracy of the candidate and baselines as a bar chart."""
        return [accuracy_bars(predictions, directory)]

