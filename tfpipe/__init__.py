"""tfpipe: TFX-style ML workflows on Beam, tf.Transform, Keras and MLflow."""
__version__ = "0.1.0"
