"""Beam ingest for generation: corpus lines, seeded split, unigram baseline statistics."""
from __future__ import annotations

from typing import Any, Iterator

import apache_beam as beam

from tfpipe.pipelines.text.beam_ingest import ROWS, QUARANTINE, ReadRecords, SplitTrainEval
from tfpipe.pipelines.text.config import CleaningConfig
from tfpipe.pipelines.text.features import TEXT_KEY
from tfpipe.pipelines.text.readers import Row, read_corpus_file
from tfpipe.pipelines.text_generation.unigram import Unigram, line_stats, next_words


class _Tokenize(beam.DoFn):
    """(row, tokens) for a batch of rows, with the transform's own cleaning ops."""

    def __init__(self, cleaning: CleaningConfig, keep_last: int,
                 stopwords: tuple[str, ...]) -> None:
        """Keep the cleaning settings."""
        self._cleaning = cleaning
        self._keep_last = keep_last
        self._stopwords = stopwords

    def process(self, rows: list[Row]) -> Iterator[tuple[Row, list[str]]]:
        """Tokenize one batch; keep the last `keep_last` tokens as the transform does."""
        import tensorflow as tf

        from tfpipe.pipelines.text.cleaning import tokenize

        tokens = tokenize(tf.constant([r.text for r in rows]), self._cleaning,
                          self._stopwords).to_list()
        for row, words in zip(rows, tokens):
            yield row, [w.decode("utf-8") for w in words][-self._keep_last:]


@beam.ptransform_fn
def TokenizeRows(rows: Any, cleaning: CleaningConfig, keep_last: int,
                 stopwords: tuple[str, ...] = ()) -> Any:
    """Rows to (row, tokens) pairs, batched for TensorFlow."""
    return (rows
            | "Batch" >> beam.BatchElements(min_batch_size=64, max_batch_size=2048)
            | "Tokenize" >> beam.ParDo(_Tokenize(cleaning, keep_last, stopwords)))


def line_example(pair: tuple[Row, list[str]], unigram: Unigram) -> dict[str, Any]:
    """The raw example of one line: its text and the unigram baseline's per-line sums."""
    row, tokens = pair
    return {TEXT_KEY: row.text, **line_stats(tokens, unigram)}


@beam.ptransform_fn
def IngestCorpus(pbegin: Any, files: list[str], encoding: str, eval_fraction: float, seed: int,
                 cleaning: CleaningConfig, keep_last: int, stopwords: tuple[str, ...] = ()
                 ) -> dict[str, Any]:
    """Corpus files to {'train', 'eval', 'quarantine'}; one example per non-empty line."""
    from functools import partial

    read = pbegin | "Read" >> ReadRecords(files, partial(read_corpus_file, encoding=encoding))
    train, eval_ = read[ROWS] | "Split" >> SplitTrainEval(eval_fraction, seed)
    train_tokens = train | "TokenizeTrain" >> TokenizeRows(cleaning, keep_last, stopwords)
    eval_tokens = eval_ | "TokenizeEval" >> TokenizeRows(cleaning, keep_last, stopwords)
    unigram = (train_tokens
               | "NextWords" >> beam.FlatMap(lambda pair: next_words(pair[1]))
               | "Count" >> beam.combiners.Count.PerElement()
               | "Collect" >> beam.combiners.ToDict()
               | "Unigram" >> beam.Map(Unigram))
    side = beam.pvalue.AsSingleton(unigram)
    return {
        "train": train_tokens | "TrainExamples" >> beam.Map(line_example, side),
        "eval": eval_tokens | "EvalExamples" >> beam.Map(line_example, side),
        QUARANTINE: read[QUARANTINE] | "QuarantineDicts" >> beam.Map(lambda q: q.to_json()),
    }
