"""Shared test set-up: the series' kernel environment, and a seed, as the notebooks have."""

import os

from nalu_lib.notebook.setup import KERNEL_ENV  # loads no TensorFlow

# This process, and the kernels nbval (--nbval-current-env) and the exercise tests start from it,
# run in the environment Binder's and the README's kernel have (python -m nalu_lib kernel),
# set before Keras loads TensorFlow.
os.environ.update(KERNEL_ENV)

import keras
import pytest


@pytest.fixture(autouse=True)
def _seeded():
    if keras.backend.backend() == "tensorflow":
        from nalu_lib.engine import seed_everything

        seed_everything(0)
    else:  # the layer tests that CI runs under JAX and PyTorch, where the TensorFlow engine is not
        keras.utils.set_random_seed(0)
