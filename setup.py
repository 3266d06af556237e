"""Packaging for tfpipe: one distribution, the `tfpipe` console script."""
from setuptools import find_packages, setup

setup(
    name="tfpipe",
    version="0.1.0",
    description="TFX-style ML workflows on Beam, tf.Transform, Keras and MLflow",
    python_requires=">=3.10,<3.13",
    # tfpipe/components, tfpipe/pipelines and tfpipe/schemas are symlinks to the design card's
    # top-level folders: import paths are file paths, and the wheel holds real files.
    packages=find_packages(include=["tfpipe", "tfpipe.*"]),
    package_data={"tfpipe": ["mlflow_schema/*.sql"], "tfpipe.schemas": ["*.pbtxt"],
                  "tfpipe.pipelines.text": ["*.txt"]},
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
        "rich>=13",  # progress bars on a terminal
        "scikit-learn>=1.3",  # the vision task's default data: its bundled 8x8 digits
        # TensorFlow's own range is >=0.5.1,<1; 0.7.0 takes most of a second to import
        # (0.6.0 a hundredth: benchmarks/RESULTS.md), in every process that loads TensorFlow.
        "ml_dtypes>=0.5.1,<0.7",
    ],
    extras_require={
        # playwright drives Debian's /usr/bin/chromium (installed by .ci/run) in the UI test;
        # its own browser download is never used.
        "test": ["pytest>=8", "pytest-timeout>=2.3", "mypy>=1.10", "playwright>=1.50"],
        "lite": ["ai-edge-litert>=2.3"],  # device exports: the TFLite interpreter
        # Orchestrators: `tfpipe export airflow|kfp`; the DAG file and IR need only these.
        "airflow": ["apache-airflow>=3.3,<4", "apache-airflow-providers-docker>=4",
                    "apache-airflow-providers-cncf-kubernetes>=10"],
        "kfp": ["kfp>=2.17,<3", "kfp-kubernetes>=2.17,<3"],
        # A shared MLflow tracking server on PostgreSQL (`mlflow server` on postgresql+psycopg2).
        "postgres": ["psycopg2-binary>=2.9"],
    },
    entry_points={"console_scripts": ["tfpipe=tfpipe.cli:entry"]},
)
