"""Notebook 08's exercise checks accept every right form of an answer and reject wrong ones,
each with its own message."""

import pytest
from exercise_kernel import ExerciseKernel

COUNTS = 'counts = predictions["counts", "recurrent NAC", 1000]\n'
ODD = "odd = (digits.train.labels % 2 == 1).sum(axis=1)\n"


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("08_summing_handwritten_digits.ipynb") as k:
        yield k


@pytest.mark.parametrize(
    "answer",
    [
        COUNTS + "sum_from_counts = counts @ np.arange(10)[:, None]",  # shape (200, 1)
        COUNTS + "sum_from_counts = list((counts * np.arange(10)).sum(axis=1))",
        COUNTS + "sum_from_counts = np.round(counts) @ np.arange(10)",  # whole counts first
        COUNTS + "sum_from_counts = np.round(counts @ np.arange(10))",  # whole sums
    ],
)
def test_08_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("08-ex1", answer)
    assert ok and "Exercise 1: correct" in output, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (COUNTS + "sum_from_counts = counts.sum(axis=1)", "digit k is worth k"),
        (COUNTS + "sum_from_counts = counts @ np.arange(1, 11)", "not k + 1"),
        ("sum_from_counts = digits.tests[1000].sums", "not the true sums"),
        ('sum_from_counts = predictions["sum", "recurrent NAC", 1000]', "not the summing NAC"),
        (COUNTS + "sum_from_counts = (counts @ np.arange(10)).sum()", "one sum per test sequence"),
    ],
)
def test_08_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("08-ex1", answer)
    assert not ok and message in output, output


@pytest.mark.parametrize(
    "answer",
    [
        # a looping RNN, targets of shape (n,), another seed
        ODD + "odd_nac = keras.Sequential([keras.layers.RNN(RecurrentNAC(1))])\ntrain(odd_nac, readings, odd, seed=1)",
        # a functional model
        ODD + "inputs = keras.Input((None, 10))\n"
        "odd_nac = keras.Model(inputs, keras.layers.RNN(RecurrentNAC(1), unroll=True)(inputs))\n"
        "train(odd_nac, readings, odd[:, None], seed=0)",
    ],
)
def test_08_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("08-ex2", answer)
    assert ok and "Exercise 2: correct" in output, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        # the even digits counted
        (
            "even = (digits.train.labels % 2 == 0).sum(axis=1)\n"
            "odd_nac = keras.Sequential([keras.layers.RNN(RecurrentNAC(1), unroll=True)])\n"
            "train(odd_nac, readings, even, seed=0)",
            "1 on the odd digits",
        ),
        ("odd_nac = keras.Sequential([keras.layers.RNN(RecurrentNAC(1), unroll=True)])", "no weights yet"),
        (
            ODD + "odd_nac = keras.Sequential([keras.layers.LSTM(4), keras.layers.Dense(1)])\n"
            "train(odd_nac, readings, odd, seed=0, steps=10)",
            "should contain a keras.layers.RNN(RecurrentNAC(1))",
        ),
        (
            "odd_nac = keras.Sequential([keras.layers.RNN(RecurrentNAC(2))]); odd_nac.build((None, 10, 10))",
            "RecurrentNAC(1)",
        ),
    ],
)
def test_08_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("08-ex2", answer)
    assert not ok and message in output, output
