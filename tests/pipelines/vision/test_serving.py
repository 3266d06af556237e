"""Serving pieces: in-graph decoding of PNG/JPEG bytes, class outputs, PNG eval inputs."""
from __future__ import annotations

import io

import numpy as np

from tfpipe.pipelines.vision.images import encode_png
from tfpipe.pipelines.vision.serving import (OUTPUT_CLASS_NAME, OUTPUT_PROBABILITIES,
                                             class_outputs, decode_image_batch, decode_names,
                                             encode_png_batch, image_bytes_to_features)


def jpeg(array: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def test_png_bytes_decode_exactly_in_the_graph():
    import tensorflow as tf

    images = np.random.default_rng(0).integers(0, 255, (3, 5, 4, 1), dtype=np.uint8)
    batch = tf.constant([encode_png(i) for i in images])
    np.testing.assert_array_equal(decode_image_batch(batch, (5, 4), 1).numpy(), images)
    flat = image_bytes_to_features(batch, (5, 4), 1)["image"]
    assert flat.dtype == tf.int64 and flat.shape == (3, 20)


def test_other_sizes_and_colour_are_converted():
    import tensorflow as tf

    colour = np.zeros((16, 12, 3), np.uint8)
    colour[..., 0] = 200
    out = decode_image_batch(tf.constant([jpeg(colour), encode_png(colour)]), (8, 6), 1)
    assert out.shape == (2, 8, 6, 1)
    assert np.all(np.abs(out.numpy().astype(int) - 60) < 8)  # grey of pure red 200 ~ 60


def test_class_outputs_name_the_best_class():
    import tensorflow as tf

    names = tf.constant(["cat", "dog"])
    out = class_outputs(tf.constant([[0.2], [0.8]]), names)
    assert list(decode_names(out[OUTPUT_CLASS_NAME].numpy())) == ["cat", "dog"]
    np.testing.assert_allclose(out[OUTPUT_PROBABILITIES].numpy(), [[0.8, 0.2], [0.2, 0.8]],
                               rtol=1e-6)


def test_eval_images_become_png_bytes():
    flat = np.arange(24).reshape(2, 12) * 10
    pngs = encode_png_batch(flat, np.array([[2, 2, 3], [2, 2, 3]]))
    assert pngs.dtype == object and pngs[0].startswith(b"\x89PNG")


def test_16_bit_png_decodes_as_at_serving_time():
    import tensorflow as tf
    from PIL import Image

    from tfpipe.pipelines.vision.images import decode_image_bytes

    wide = (np.arange(16, dtype=np.uint16).reshape(4, 4) * 4000 + 7).astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(wide).save(buffer, format="PNG")
    ingested = decode_image_bytes(buffer.getvalue(), (4, 4), 1)
    served = decode_image_batch(tf.constant([buffer.getvalue()]), (4, 4), 1).numpy()[0]
    np.testing.assert_array_equal(ingested, served)
