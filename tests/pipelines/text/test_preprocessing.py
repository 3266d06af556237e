"""The preprocessing_fn under tf.Transform: vocabulary, OOV buckets, fitted length, labels."""
from __future__ import annotations

import pytest

from tfpipe.pipelines.text.config import CleaningConfig, VocabConfig
from tfpipe.pipelines.text.features import LABEL_VOCAB, VOCAB_NAME
from tfpipe.pipelines.text.preprocessing import (frequency_threshold, label_names,
                                                 make_preprocessing_fn)


def analyze(rows, vocab, tmp_path, label_values=None, graph_mode=False):
    """Fit the preprocessing_fn on rows; return (transformed rows, TFTransformOutput)."""
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

    from tfpipe.pipelines.text.features import raw_feature_spec

    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(raw_feature_spec("text")))
    fn = make_preprocessing_fn(CleaningConfig(), vocab, (), label_values)
    with tft_beam.Context(temp_dir=str(tmp_path / "tft"), force_tf_compat_v1=graph_mode):
        (data, _), transform_fn = ((rows, metadata)
                                   | tft_beam.AnalyzeAndTransformDataset(fn))
        _ = transform_fn | tft_beam.WriteTransformFn(str(tmp_path / "graph"))
    return data, tft.TFTransformOutput(str(tmp_path / "graph"))


def rows_of(texts, labels):
    names = sorted(set(labels))
    return [{"text": t, "label": l, "label_index": names.index(l)} for t, l in zip(texts, labels)]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    # 20 rows: 19 of length <= 4 tokens, one of 12; the 95th percentile length is 4.
    texts = ["good good film"] * 10 + ["bad film here now"] * 9 + [
        "a very long review with many many words that goes on and on"]
    labels = ["1"] * 10 + ["0"] * 10
    return analyze(rows_of(texts, labels), VocabConfig(vocab_size=3, oov_buckets=2),
                   tmp_path_factory.mktemp("pre"))


def test_vocabulary_keeps_top_tokens(fitted):
    _, output = fitted
    # good x20, film x19, then bad/here/now x9 (ties broken in reverse order by tf.Transform)
    assert [w.decode() for w in output.vocabulary_by_name(VOCAB_NAME)] == ["good", "film",
                                                                          "now"]
    assert sorted(output.vocabulary_by_name(LABEL_VOCAB)) == [b"0", b"1"]


def test_sequence_length_is_the_train_95th_percentile(fitted):
    from tfpipe.pipelines.text.lengths import graph_sequence_length, schema_sequence_length

    data, output = fitted
    assert {row["sequence_length"] for row in data} == {4}
    # Recorded in the transformed schema too, where it is read without loading the graph.
    assert schema_sequence_length(output) == graph_sequence_length(output) == 4


def test_serving_layer_takes_raw_text_with_unseen_words(fitted):
    import tensorflow as tf

    _, output = fitted
    layer = output.transform_features_layer()
    out = layer({"text": tf.constant(["GOOD film!", "zebra good quokka yak wombat"])})
    ids = tf.sparse.to_dense(out["token_ids"]).numpy().tolist()
    assert ids[0][:2] == [1, 2]  # 1 + vocabulary index; 0 stays free for padding
    assert len(ids[1]) == 4  # truncated to the fitted length
    assert ids[1][1] == 1 and all(4 <= i <= 5 for i in ids[1][:1] + ids[1][2:])  # OOV buckets
    assert out["sequence_length"].numpy().tolist() == [4, 4]


def test_configured_length_and_pre_truncation(tmp_path):
    rows = rows_of(["one two three four five"] * 4, ["a", "b", "a", "b"])
    data, _ = analyze(rows, VocabConfig(vocab_size=10, sequence_length=2, truncating="pre"),
                      tmp_path, label_values=("b", "a"))
    assert all(row["sequence_length"] == 2 for row in data)
    key = next(k for k in data[0] if k.startswith("token_ids"))
    assert all(len(row[key]) == 2 for row in data)
    assert [row["label"] for row in data] == [0, 1, 0, 1]


def test_length_percentile_and_cap(tmp_path):
    texts = [" ".join(["w"] * n) for n in range(1, 11)]  # lengths 1..10
    rows = rows_of(texts, ["a", "b"] * 5)
    data, _ = analyze(rows, VocabConfig(length_percentile=100.0), tmp_path / "full")
    assert {row["sequence_length"] for row in data} == {10}
    data, _ = analyze(rows, VocabConfig(length_percentile=50.0), tmp_path / "half")
    assert {row["sequence_length"] for row in data} == {5}
    data, _ = analyze(rows, VocabConfig(length_percentile=100.0, max_sequence_length=3),
                      tmp_path / "capped")
    assert {row["sequence_length"] for row in data} == {3}


def test_frequency_threshold_is_left_out_when_it_would_keep_everything():
    assert [frequency_threshold(n) for n in (0, 1, 2, 5)] == [None, None, 2, 5]


@pytest.mark.parametrize("min_frequency, expected", [(1, ["a", "c", "b"]), (2, ["a", "c"])])
def test_min_frequency_drops_rarer_train_tokens(tmp_path, min_frequency, expected):
    rows = rows_of(["a a a c", "c b"], ["x", "y"])
    _, output = analyze(rows, VocabConfig(min_frequency=min_frequency), tmp_path)
    assert [w.decode() for w in output.vocabulary_by_name(VOCAB_NAME)] == expected


def analyzer_labels(fn, tmp_path) -> list[str]:
    """Full labels of the Beam transforms AnalyzeDataset builds for `fn` (not run)."""
    import apache_beam as beam
    import tensorflow_transform.beam as tft_beam
    from apache_beam.pipeline import PipelineVisitor
    from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

    from tfpipe.pipelines.text.features import raw_feature_spec

    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(raw_feature_spec("text")))
    labels: list[str] = []

    class Collect(PipelineVisitor):
        def visit_transform(self, node):
            labels.append(node.full_label)

    root = beam.Pipeline()
    with tft_beam.Context(temp_dir=str(tmp_path / "tft"), force_tf_compat_v1=False):
        rows = root | beam.Create(rows_of(["a b"], ["x"]))
        _ = (rows, metadata) | tft_beam.AnalyzeDataset(fn)
    root.visit(Collect())
    return labels


def test_known_label_values_become_the_label_asset_without_an_analyzer(tmp_path):
    rows = rows_of(["good film", "bad film", "fine"], ["pos", "neg", "meh"])
    _, output = analyze(rows, VocabConfig(), tmp_path, label_values=("pos", "neg", "meh"))
    assert output.vocabulary_by_name(LABEL_VOCAB) == [b"pos", b"neg", b"meh"]
    assert output.vocabulary_size_by_name(LABEL_VOCAB) == 3
    known = make_preprocessing_fn(CleaningConfig(), VocabConfig(), (), ("x",))
    assert not [n for n in analyzer_labels(known, tmp_path) if "label_vocabulary" in n]


def test_unknown_label_values_are_learned_by_a_vocabulary_analyzer(tmp_path):
    unknown = make_preprocessing_fn(CleaningConfig(), VocabConfig(), (), None)
    assert [n for n in analyzer_labels(unknown, tmp_path) if "label_vocabulary" in n]


def test_labels_that_cannot_be_one_line_each_fall_back_to_the_analyzer(monkeypatch):
    import tensorflow as tf
    import tensorflow_transform as tft

    seen = {}
    monkeypatch.setattr(tft, "vocabulary", lambda labels, **kw: seen.update(kw))
    label_names(tf.constant(["a"]), ("a", "b\nc"))
    assert seen["reserved_tokens"] == ("a", "b\nc")


@pytest.mark.parametrize("label_values", [None, ("1", "0")])
def test_tf1_graph_mode_fits_and_serves_what_tf_functions_do(tmp_path, label_values):
    import tensorflow as tf

    from tfpipe.pipelines.text.lengths import schema_sequence_length

    texts = ["good good film", "bad film here now", "good"] * 4 + ["an unseen long line"]
    rows = rows_of(texts, ["1", "0", "1"] * 4 + ["0"])
    vocab = VocabConfig(vocab_size=3, oov_buckets=2)
    fitted = {mode: analyze(rows, vocab, tmp_path / str(mode), label_values, graph_mode=mode)
              for mode in (False, True)}
    as_lists = {mode: sorted((row["sequence_length"], list(row["token_ids"]), row["label"])
                             for row in data) for mode, (data, _) in fitted.items()}
    assert as_lists[True] == as_lists[False]
    assert {schema_sequence_length(output) for _, output in fitted.values()} == {4}
    raw = {"text": tf.constant(["GOOD film!", "zebra good quokka yak"])}
    served = {}
    for mode, (_, output) in fitted.items():
        assert output.vocabulary_by_name(VOCAB_NAME) == fitted[False][1].vocabulary_by_name(
            VOCAB_NAME)
        assert output.vocabulary_by_name(LABEL_VOCAB) == fitted[False][1].vocabulary_by_name(
            LABEL_VOCAB)
        layer = output.transform_features_layer()
        served[mode] = tf.sparse.to_dense(layer(raw)["token_ids"]).numpy().tolist()
    assert served[True] == served[False] and served[True][0][:2] == [1, 2]
