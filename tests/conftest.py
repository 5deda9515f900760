"""Shared test set-up: the series' kernel environment, and a seed, as the notebooks have."""

import os

import pytest

import nalu_lib
from nalu_lib.notebook.setup import KERNEL_ENV

# nbval (--nbval-current-env) and the exercise tests start their kernels from this process:
# they run in the environment Binder's and the README's kernel have (python -m nalu_lib kernel).
os.environ.update(KERNEL_ENV)


@pytest.fixture(autouse=True)
def _seeded():
    nalu_lib.seed_everything(0)
