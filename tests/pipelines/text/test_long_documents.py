"""Long documents by default: the class shows only after word 200, and no --set is needed."""
from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

from tfpipe.local_run import run_task
from tfpipe.pipelines.text.config import CleaningConfig, TextSettings, VocabConfig
from tfpipe.pipelines.text.demo_corpus import NEGATIVE, POSITIVE
from tfpipe.pipelines.text.features import VOCAB_NAME
from tfpipe.pipelines.text.lengths import choose_model, length_facts
from tfpipe.pipelines.text.long_reviews import long_reviews, write_class_folders
from tfpipe.pipelines.text.preprocessing import make_preprocessing_fn

OLD_CAP = 200
# The text defaults before long documents: vocabulary 2,000, length cap 200, Conv1D.
OLD_VOCAB = VocabConfig(vocab_size=2000, min_frequency=1, max_sequence_length=OLD_CAP)
OPINIONS = frozenset(POSITIVE + NEGATIVE)


def words(text: str) -> list[str]:
    """The tokens the default cleaning makes (lower case, punctuation removed)."""
    return re.sub(r"[^\w\s]+", " ", text.lower()).split()


@pytest.fixture(scope="module")
def reviews() -> list[tuple[str, str]]:
    return long_reviews(400, seed=11, min_words=300, max_words=500)


@pytest.fixture(scope="module")
def corpus(reviews, tmp_path_factory) -> str:
    return write_class_folders(str(tmp_path_factory.mktemp("long") / "reviews"), reviews)


def test_reviews_are_long_and_their_first_200_words_hold_no_opinion(reviews):
    lengths = [len(words(text)) for text, _ in reviews]
    assert min(lengths) >= 300 and max(lengths) > 450
    assert {label for _, label in reviews} == {"neg", "pos"}
    for text, label in reviews:
        tokens = words(text)
        assert not OPINIONS & set(tokens[:OLD_CAP + 20]), text[:300]
        own = POSITIVE if label == "pos" else NEGATIVE
        assert set(own) & set(tokens[OLD_CAP:])


def test_the_same_seed_gives_the_same_corpus():
    assert long_reviews(5, seed=3) == long_reviews(5, seed=3) != long_reviews(5, seed=4)


def fit(texts: list[str], vocab: VocabConfig, tmp_path) -> tuple[list[list[int]], list[str]]:
    """Fit the preprocessing_fn on texts: (each text's token ids, the vocabulary)."""
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

    from tfpipe.pipelines.text.features import raw_feature_spec

    rows = [{"text": t, "label": "x", "label_index": 0} for t in texts]
    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(raw_feature_spec("text")))
    fn = make_preprocessing_fn(CleaningConfig(), vocab, (), ("x",))
    with tft_beam.Context(temp_dir=str(tmp_path / "tft"), force_tf_compat_v1=False):
        (data, _), transform_fn = (rows, metadata) | tft_beam.AnalyzeAndTransformDataset(fn)
        _ = transform_fn | tft_beam.WriteTransformFn(str(tmp_path / "graph"))
    output = tft.TFTransformOutput(str(tmp_path / "graph"))
    key = next(k for k in data[0] if k.startswith("token_ids"))
    vocabulary = [w.decode() for w in output.vocabulary_by_name(VOCAB_NAME)]
    return [list(row[key]) for row in data], vocabulary


def opinion_ids(ids: list[int], vocabulary: list[str]) -> set[str]:
    """The opinion words among ids (id n is vocabulary line n, 1-based)."""
    return {vocabulary[i - 1] for i in ids if 0 < i <= len(vocabulary)} & OPINIONS


def test_the_old_cap_cuts_every_opinion_away_and_the_defaults_keep_them(reviews, tmp_path):
    texts = [text for text, _ in reviews[:120]]
    old_ids, old_vocabulary = fit(texts, OLD_VOCAB, tmp_path / "old")
    assert {len(ids) for ids in old_ids} == {OLD_CAP}
    assert all(not opinion_ids(ids, old_vocabulary) for ids in old_ids)
    new_ids, new_vocabulary = fit(texts, TextSettings(), tmp_path / "new")
    assert all(opinion_ids(ids, new_vocabulary) for ids in new_ids)
    assert max(len(ids) for ids in new_ids) > 450  # the 95th percentile, within the cap


@pytest.mark.parametrize("length, model", [(26, "conv1d"), (200, "conv1d"), (201, "pooled"),
                                           (830, "pooled")])
def test_auto_picks_conv1d_for_sentences_and_pooled_for_documents(length, model):
    assert choose_model("auto", length, 200) == model
    assert choose_model("bilstm", length, 200) == "bilstm"  # a configured model wins
    assert length_facts(length, 200) == {"sequence_length": float(length),
                                         "long_texts": float(model == "pooled")}


def test_the_fitted_length_is_read_from_the_schema_without_loading_the_graph():
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfpipe.pipelines.text.lengths import fitted_sequence_length

    class Recorded:
        transformed_metadata = type("Metadata", (), {"schema": schema_pb2.Schema()})()

        def transform_features_layer(self):
            raise AssertionError("the graph was loaded")

    feature = Recorded.transformed_metadata.schema.feature.add(name="sequence_length")
    feature.int_domain.min = feature.int_domain.max = 830
    assert fitted_sequence_length(Recorded()) == 830
    feature.int_domain.min = 1  # a range, not one fitted length: only the graph can say
    with pytest.raises(AssertionError, match="the graph was loaded"):
        fitted_sequence_length(Recorded())


def test_the_defaults_are_the_documented_ones():
    cfg = TextSettings()
    assert (cfg.vocab_size, cfg.min_frequency, cfg.max_sequence_length, cfg.model,
            cfg.long_text_tokens, cfg.epochs) == (20000, 2, 2000, "auto", 200, 30)


def only_record(result: dict, component: str) -> str:
    root = os.path.join(result["workdir"], "artifacts", "text", component)
    (name,) = [d for d in os.listdir(root) if not d.startswith(".")]
    return os.path.join(root, name)


@pytest.mark.slow
def test_long_reviews_run_with_no_set_beat_the_majority_and_serve(corpus, tmp_path, edge_texts):
    import tensorflow as tf

    result = run_task("text", corpus, None, [], str(tmp_path / "work"), [], quiet=True)
    metrics = result["metrics"]
    assert result["blessed"], result["reason"]
    assert metrics["candidate"]["accuracy"] >= 0.65 > metrics["baselines"]["majority"]["accuracy"]
    with open(os.path.join(only_record(result, "transform"), "artifact.json")) as handle:
        facts = json.load(handle)["report"]["metrics"]
    assert facts["long_texts"] == 1.0 and 450 < facts["sequence_length"] <= 2000
    assert facts["vocabulary_size/text_vocab"] > 2000  # every word seen twice, not the top 2000
    model = tf.saved_model.load(result["serving_path"])
    served = model.signatures["serving_default"]
    assert served.structured_outputs["probabilities"].shape[-1] == 2
    longest = max((text for text, _ in long_reviews(40, seed=99, min_words=2500,
                                                    max_words=3000)), key=len)
    outputs = served(text=tf.constant([longest, *edge_texts]))
    probabilities = outputs["probabilities"].numpy()
    assert probabilities.shape == (1 + len(edge_texts), 2)
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    import keras

    import tfpipe.pipelines.text.layers  # noqa: F401  (registers MaskedAverage)

    trained = keras.saving.load_model(os.path.join(result["serving_path"], "assets.extra",
                                                   "model.keras"))
    assert trained.name == "text_pooled"  # model=auto on long texts
    with open(os.path.join(only_record(result, "train"), "artifact.json")) as handle:
        logged = json.load(handle)["report"]["params"]  # what MLflow's train run shows
    assert (logged["model"], logged["keras_model"]) == ("auto", "text_pooled")
