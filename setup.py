"""Packaging for tfpipe: one distribution, the `tfpipe` console script."""
from setuptools import setup

# The design card keeps `components/`, `pipelines/` and `schemas/` as top-level folders;
# they install as sub-packages of `tfpipe` so nothing generic lands in site-packages.
PACKAGE_DIR = {
    "tfpipe": "tfpipe",
    "tfpipe.components": "components",
    "tfpipe.pipelines": "pipelines",
    "tfpipe.pipelines.forecasting": "pipelines/forecasting",
    "tfpipe.pipelines.vision": "pipelines/vision",
    "tfpipe.pipelines.text": "pipelines/text",
    "tfpipe.pipelines.text_generation": "pipelines/text_generation",
    "tfpipe.schemas": "schemas",
}

setup(
    name="tfpipe",
    version="0.1.0",
    description="TFX-style ML workflows on Beam, tf.Transform, Keras and MLflow",
    python_requires=">=3.10,<3.13",
    packages=[name for name, folder in PACKAGE_DIR.items()
              if __import__("os").path.isfile(f"{folder}/__init__.py")],
    package_dir=PACKAGE_DIR,
    package_data={"tfpipe.schemas": ["*.pbtxt"], "tfpipe.pipelines.text": ["*.txt"]},
    install_requires=[
        "tensorflow>=2.21,<2.22",
        "tensorflow-transform>=1.21,<1.22",
        "apache-beam>=2.77,<2.78",
        "mlflow>=3.17,<4",
        "tensorflow-serving-api>=2.19,<2.22",
        "matplotlib>=3.8",
        "pillow>=10",
        "pyyaml>=6",
        "psutil>=5.9",
        "scikit-learn>=1.3",  # the vision task's default data: its bundled 8x8 digits
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-timeout>=2.3", "mypy>=1.10"],
        "lite": ["ai-edge-litert>=2.0"],
    },
    entry_points={"console_scripts": ["tfpipe=tfpipe.pipelines.cli:entry"]},
)
