"""The text task module's own functions: config keys, model sizing, class names, checks."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.errors import InputError
from tfpipe import settings
from tfpipe.settings import Settings, parse
from tfpipe.registry import load_task


class FakeTransformOutput:
    """Just the vocabulary lookups the task reads from a TFTransformOutput."""

    def __init__(self, words: list[str], labels: list[str]) -> None:
        """Keep the vocabularies."""
        self.vocabularies = {"text_vocab": words, "label_values": labels}

    def vocabulary_by_name(self, name: str) -> list[bytes]:
        """A vocabulary as bytes, as tf.Transform returns it."""
        return [w.encode() for w in self.vocabularies[name]]

    def vocabulary_size_by_name(self, name: str) -> int:
        """Size of a vocabulary."""
        return len(self.vocabularies[name])


@pytest.fixture
def text():
    return load_task("text")


def test_every_config_key_belongs_to_a_component(text):
    used = set().union(*text.info.param_groups.values())
    own = set(text.info.defaults) - set(settings.defaults(Settings))
    assert own - {"max_bad_fraction"} <= used


def test_validate_config_names_the_key(text):
    config = dict(text.info.defaults, seed=1)
    parse(text.info.settings, config)
    with pytest.raises(InputError, match="vocab_size=0"):
        parse(text.info.settings, {**config, "vocab_size": 0})
    with pytest.raises(InputError, match="validation_fraction"):
        parse(text.info.settings, {**config, "validation_fraction": 1.0})


def test_build_model_with_pretrained_vectors(text, tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text("good 1 1 1 1\nbad -1 -1 -1 -1\n")
    output = FakeTransformOutput(["good", "bad", "film"], ["1", "0"])
    params = {"model": "pooled", "pretrained_embeddings": str(glove), "oov_buckets": 2,
              "seed": 0}
    model = text.build_model(params, output)
    embeddings = np.asarray(model.get_layer("embedding").embeddings)
    assert embeddings.shape == (1 + 3 + 2, 4)
    np.testing.assert_array_equal(embeddings[1], [1, 1, 1, 1])
    assert model.output_shape == (None, 2)


def test_glove_line_past_the_checked_head_is_an_input_error_naming_file_and_line(text,
                                                                                tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text("".join(f"w{i} 1 2 3\n" for i in range(10)) + "bad 1 2\n")
    params = {"model": "pooled", "pretrained_embeddings": str(glove), "seed": 0}
    parse(text.info.settings, params)  # the first lines pass the config-time check
    with pytest.raises(InputError, match=f"config pretrained_embeddings='{glove}': {glove}: "
                                         "line 11 has 2 values, expected 3"):
        text.build_model(params, FakeTransformOutput(["w1", "bad"], ["1", "0"]))


def test_one_label_value_cannot_train_a_classifier(text):
    with pytest.raises(InputError, match="1 label value"):
        text.build_model({"seed": 0}, FakeTransformOutput(["a"], ["only"]))


def test_class_names_follow_the_label_index_order(text):
    output = FakeTransformOutput(["a"], ["pos", "neg"])  # frequency order from tf.Transform
    assert text.serving_constants(output, {})["class_names"] == ["neg", "pos"]
    assert text.serving_constants(output, {"label_values": "pos,neg"})["class_names"] == [
        "pos", "neg"]


def test_transform_params_fill_label_values_from_the_train_statistics(text):
    stats = {"value_counts": {"label": {"pos": 5, "neg": 7, "10": 1}}}
    assert text.transform_params({}, stats)["label_values"] == ["10", "neg", "pos"]
    stats = {"value_counts": {"label": {"3": 5, "10": 7, "2": 1}}}
    assert text.transform_params({}, stats)["label_values"] == ["2", "3", "10"]


def test_one_label_in_train_is_reported_as_the_data_not_as_label_values(text):
    with pytest.raises(InputError, match="the train split has 1 label value"):
        text.transform_params({}, {"value_counts": {"label": {"pos": 9}}})


def test_transform_params_keep_configured_or_uncounted_labels(text):
    stats = {"value_counts": {"label": {"a": 1, "b": 2}}}
    assert text.transform_params({"label_values": "b,a"}, stats) == {"label_values": "b,a"}
    assert text.transform_params({}, {"value_counts": {"label": None}}) == {}
