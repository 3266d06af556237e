"""The device function's freezing and conversion, on functions made here."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ai_edge_litert", reason="the `lite` extra (ai-edge-litert) is not installed")


def transform_like():
    """Like a tf.Transform graph: a scaled feature, and a label lookup the device never feeds."""
    import tensorflow as tf

    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["cat", "dog"], [0, 1], value_dtype=tf.int64), -1)

    @tf.function(input_signature=[tf.TensorSpec([1, 3], tf.float32, name="pixels")],
                 autograph=False)
    def transform(pixels):
        label = table.lookup(tf.fill([tf.shape(pixels)[0]], "dog"))
        return {"scaled": (pixels - 1.0) / 4.0, "label": label}

    return transform.get_concrete_function(), table


def test_preprocessing_keeps_only_outputs_without_lookup_tables():
    import tensorflow as tf

    from tfpipe.components.tflite import TABLE_OPS, frozen_preprocessing

    function, _ = transform_like()
    frozen = frozen_preprocessing(function)
    assert set(frozen.structured_outputs) == {"scaled"}
    assert not {op.type for op in frozen.graph.get_operations()} & TABLE_OPS
    result = frozen(tf.constant([[1.0, 5.0, 9.0]]))
    np.testing.assert_allclose(result["scaled"].numpy(), [[0.0, 1.0, 2.0]])


def test_every_tflite_variant_converts_and_runs(tmp_path):
    import tensorflow as tf

    from tfpipe.components import tflite

    weights = tf.Variable(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))

    @tf.function(input_signature=[tf.TensorSpec([1, 3], tf.float32, name="x")],
                 autograph=False)
    def model(x):
        return {"y": tf.nn.softmax(tf.matmul(x, weights))}

    function = tflite.freeze(model.get_concrete_function())
    saved = tflite.save_for_conversion(function, str(tmp_path / "device"))
    inputs = {"x": np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)}
    specs = {"x": tf.TensorSpec([1, 3], tf.float32)}
    representative = tflite.write_representative(inputs, 8, 0, specs,
                                                 str(tmp_path / "rep.npz"))
    expected = model(tf.constant(inputs["x"][:1]))["y"].numpy()
    for variant in tflite.TFLITE_VARIANTS:
        output = str(tmp_path / f"{variant}.tflite")
        assert tflite.convert_isolated(saved, variant, representative, output) > 0
        with open(output, "rb") as handle:
            outputs, seconds = tflite.run_per_example(handle.read(), inputs, specs)
        assert outputs["y"].shape == (16, 4) and seconds > 0
        np.testing.assert_allclose(outputs["y"][:1], expected, atol=0.02)


def test_a_converter_failure_is_reported_for_its_variant(tmp_path):
    from tfpipe.components import tflite

    with pytest.raises(tflite.ConversionFailed, match="tflite_float16: .*"):
        tflite.convert_isolated(str(tmp_path / "missing"), "tflite_float16", None,
                                str(tmp_path / "out.tflite"))
