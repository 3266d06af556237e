"""Beam ingest for generation: corpus lines, seeded split, unigram baseline statistics."""
from __future__ import annotations

from typing import Any, Iterator

import apache_beam as beam

from tfpipe.pipelines.text.beam_ingest import ROWS, QUARANTINE, ReadRecords, SplitTrainEval
from tfpipe.pipelines.text.config import CleaningConfig, VocabConfig
from tfpipe.pipelines.text.features import TEXT_KEY
from tfpipe.pipelines.text.readers import Row, read_corpus_file
from tfpipe.pipelines.text_generation.unigram import (Unigram, line_stats, next_words,
                                                     vocabulary, word_class)


class _Tokenize(beam.DoFn):
    """(row, kept tokens, all tokens) per row of a batch, with the transform's cleaning ops."""

    def __init__(self, cleaning: CleaningConfig, keep_last: int,
                 stopwords: tuple[str, ...]) -> None:
        """Keep the cleaning settings."""
        self._cleaning = cleaning
        self._keep_last = keep_last
        self._stopwords = stopwords

    def process(self, rows: list[Row]) -> Iterator[tuple[Row, list[str], list[str]]]:
        """Tokenize one batch; the kept tokens are the last `keep_last`, as in the transform."""
        import tensorflow as tf

        from tfpipe.pipelines.text.cleaning import tokenize

        tokens = tokenize(tf.constant([r.text for r in rows]), self._cleaning,
                          self._stopwords).to_list()
        for row, words in zip(rows, tokens):
            words = [w.decode("utf-8") for w in words]
            yield row, words[-self._keep_last:], words


@beam.ptransform_fn
def TokenizeRows(rows: Any, cleaning: CleaningConfig, keep_last: int,
                 stopwords: tuple[str, ...] = ()) -> Any:
    """Rows to (row, kept tokens, all tokens), batched for TensorFlow."""
    return (rows
            | "Batch" >> beam.BatchElements(min_batch_size=64, max_batch_size=2048)
            | "Tokenize" >> beam.ParDo(_Tokenize(cleaning, keep_last, stopwords)))


def line_example(item: tuple[Row, list[str], list[str]], unigram: Unigram, words: frozenset
                 ) -> dict[str, Any]:
    """The raw example of one line: its text and the unigram baseline's per-line sums."""
    row, kept, _ = item
    return {TEXT_KEY: row.text, **line_stats(kept, unigram, words)}


@beam.ptransform_fn
def TrainVocabulary(train_tokens: Any, vocab_size: int, min_frequency: int) -> Any:
    """A singleton: the words the transform's vocabulary keeps, from train token counts."""
    return (train_tokens
            | "AllTokens" >> beam.FlatMap(lambda item: item[2])
            | "CountTokens" >> beam.combiners.Count.PerElement()
            | "CollectTokens" >> beam.combiners.ToDict()
            | "Keep" >> beam.Map(vocabulary, vocab_size, min_frequency))


@beam.ptransform_fn
def UnigramBaseline(train_tokens: Any, words: Any) -> Any:
    """A singleton Unigram: train next-word counts per vocabulary class."""
    return (train_tokens
            | "NextWords" >> beam.FlatMap(
                lambda item, kept: [word_class(w, kept) for w in next_words(item[1])],
                beam.pvalue.AsSingleton(words))
            | "Count" >> beam.combiners.Count.PerElement()
            | "Collect" >> beam.combiners.ToDict()
            | "Unigram" >> beam.Map(lambda counts, kept: Unigram(counts, len(kept) + 1),
                                    beam.pvalue.AsSingleton(words)))


@beam.ptransform_fn
def IngestCorpus(pbegin: Any, files: list[str], encoding: str, eval_fraction: float, seed: int,
                 cleaning: CleaningConfig, vocab: VocabConfig, stopwords: tuple[str, ...] = ()
                 ) -> dict[str, Any]:
    """Corpus files to {'train', 'eval', 'quarantine'}; one example per non-empty line."""
    from functools import partial

    read = pbegin | "Read" >> ReadRecords(files, partial(read_corpus_file, encoding=encoding))
    train, eval_ = read[ROWS] | "Split" >> SplitTrainEval(eval_fraction, seed)
    keep_last = vocab.max_sequence_length
    train_tokens = train | "TokenizeTrain" >> TokenizeRows(cleaning, keep_last, stopwords)
    eval_tokens = eval_ | "TokenizeEval" >> TokenizeRows(cleaning, keep_last, stopwords)
    words = train_tokens | "Vocabulary" >> TrainVocabulary(vocab.vocab_size, vocab.min_frequency)
    unigram = train_tokens | "UnigramBaseline" >> UnigramBaseline(words)
    sides = (beam.pvalue.AsSingleton(unigram), beam.pvalue.AsSingleton(words))
    return {
        "train": train_tokens | "TrainExamples" >> beam.Map(line_example, *sides),
        "eval": eval_tokens | "EvalExamples" >> beam.Map(line_example, *sides),
        QUARANTINE: read[QUARANTINE] | "QuarantineDicts" >> beam.Map(lambda q: q.to_json()),
    }
