"""Packaging for tfarae.

`trainers/` and `export/` live at the top level of the repository but are installed as
`tfarae.trainers` and `tfarae.export` (see `package_dir`); no top-level `trainers` or `export`
package is ever installed.
"""

from setuptools import setup

PACKAGES = [
    "tfarae",
    "tfarae.config",
    "tfarae.data",
    "tfarae.layers",
    "tfarae.models",
    "tfarae.metrics",
    "tfarae.tuning",
    "tfarae.trainers",
    "tfarae.export",
    "tfarae.configs",
]

setup(
    name="tfarae",
    version="0.1.0",
    description="Adversarially regularized autoencoders for discrete data in TensorFlow/Keras 3.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=PACKAGES,
    package_dir={
        "tfarae": "tfarae",
        "tfarae.trainers": "trainers",
        "tfarae.export": "export",
        "tfarae.configs": "configs",
    },
    package_data={
        "tfarae.configs": ["*.yaml", "search/*.yaml"],
        # The TF.js page and module (node_modules is installed by `python -m tfarae.export.tfjs --setup`).
        "tfarae": ["web/*.js", "web/*.html", "web/*.css", "web/package.json", "web/package-lock.json"],
    },
    install_requires=[
        "tensorflow==2.21.0",
        "keras==3.15.1",
        "tensorflow-text==2.21.1",
        "tensorflow-datasets==4.9.10",
        "importlib_resources",  # tensorflow-datasets imports it without declaring it
        "keras-tuner[bayesian]==1.4.8",  # [bayesian]: scipy and scikit-learn for BayesianOptimizationOracle
        "tensorboard==2.21.0",  # keras-tuner trials import it under the TF backend
        "numpy",
        "pyyaml",
        "sacrebleu",
        "matplotlib",
        "scikit-learn",  # tfarae.data.images.digits: the embedded image corpus
    ],
    extras_require={
        "dev": ["pytest", "wheel", "tensorflow-serving-api==2.21.0"],  # the export tests replay a warmup file
        "serving": ["tensorflow-serving-api==2.21.0"],
    },
)
