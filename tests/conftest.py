"""Shared test set-up: seed and one thread, as the notebooks do."""

import pytest

import nalu_lib


@pytest.fixture(autouse=True)
def _seeded():
    nalu_lib.seed_everything(0)
