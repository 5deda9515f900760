"""Notebook 06's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("06_playground.ipynb") as k:
        yield k


# --------------------------------------------------------------------------- exercise 1: which units divide?


@pytest.mark.parametrize(
    "answer", ["dividers = ['NALU', 'iNALU']", "dividers = ('iNALU', 'NALU')", "dividers = {'NALU', 'iNALU'}"]
)
def test_06_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("06-ex1", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("dividers = 'NALU'", "should be a list of unit names"),  # a name, not a list
        ("dividers = []", "more unit(s) of widgets.UNITS divide"),  # none
        ("dividers = ['NALU']", "1 more unit(s) of widgets.UNITS divide"),  # the iNALU left out
        ("dividers = ['NALU', 'iNALU', 'NMU']", "['NMU']: the largest relative error far out is above 1e-4"),
        ("dividers = ['NALU', 'iNALU', 'NPU']", "['NPU']: the largest relative error far out is above 1e-4"),
        ("dividers = ['MLP', 'NALU', 'iNALU']", "an MLP divides inside its training range"),
        ("dividers = ['nalu']", "every name in dividers should be a key of widgets.UNITS"),
    ],
)
def test_06_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("06-ex1", answer)
    assert not ok and message in output, output


# --------------------------------------------------------------------------- exercise 2: how many steps?


@pytest.mark.parametrize("answer", ["enough_steps = 600", "enough_steps = np.int64(600)", "enough_steps = 600.0"])
def test_06_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("06-ex2", "import numpy as np\n" + answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("enough_steps = 500", "not yet at 1e-6"),
        ("enough_steps = 700", "fewer suffice"),
        ("enough_steps = 650", "multiple of 100"),
        ("enough_steps = 0", "positive multiple of 100"),
        ("enough_steps = '600'", "whole number of steps"),
        ("enough_steps = 600.5", "whole number of steps"),
    ],
)
def test_06_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("06-ex2", answer)
    assert not ok and message in output, output
