"""Shared test set-up: the series' kernel environment, and a seed, as the notebooks have."""

import os

import keras
import pytest

from nalu_lib.notebook.setup import KERNEL_ENV

# nbval (--nbval-current-env) and the exercise tests start their kernels from this process:
# they run in the environment Binder's and the README's kernel have (python -m nalu_lib kernel).
os.environ.update(KERNEL_ENV)


@pytest.fixture(autouse=True)
def _seeded():
    if keras.backend.backend() == "tensorflow":
        from nalu_lib.engine import seed_everything

        seed_everything(0)
    else:  # the layer tests that CI runs under JAX and PyTorch, where the TensorFlow engine is not
        keras.utils.set_random_seed(0)
