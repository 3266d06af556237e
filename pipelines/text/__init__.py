"""Text classification task: readers, Beam ingest, tf.Transform cleaning, Keras models, metrics."""
