"""Notebook 07's exercise checks accept every right form of an answer and reject wrong ones,
each with its own message."""

import pytest
from exercise_kernel import ExerciseKernel

SUB = 'sub = tasks.recurrent_arithmetic_task("sub", n_train=128, overlap=0, seed=0)\n'


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("07_counting_and_running_sums.ipynb") as k:
        yield k


@pytest.mark.parametrize(
    "answer",
    [
        # looping instead of unrolling, another seed
        SUB + "sub_model = keras.Sequential([keras.layers.RNN(RecurrentNAC(1))])\n"
        "train(sub_model, sub.x_train, sub.y_train, seed=1)",
        # a functional model: its first layer is the input
        SUB + "inputs = keras.Input((None, 10))\n"
        "sub_model = keras.Model(inputs, keras.layers.RNN(RecurrentNAC(1), unroll=True)(inputs))\n"
        "train(sub_model, sub.x_train, sub.y_train, seed=0)",
        # the RNN layer alone: train takes a layer too
        SUB + "sub_model = keras.layers.RNN(RecurrentNAC(1), unroll=True)\n"
        "train(sub_model, sub.x_train, sub.y_train, seed=0)",
    ],
)
def test_07_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("07-ex1", answer)
    assert ok and "Exercise 1: correct" in output, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        # trained on a + b instead of a - b
        (
            'add = tasks.recurrent_arithmetic_task("add", n_train=128, overlap=0, seed=0)\n'
            "sub_model = keras.Sequential([keras.layers.RNN(RecurrentNAC(1), unroll=True)])\n"
            "train(sub_model, add.x_train, add.y_train, seed=0)",
            "+1 on a, -1 on b",
        ),
        # never trained (nor built)
        ("sub_model = keras.Sequential([keras.layers.RNN(RecurrentNAC(1), unroll=True)])", "no weights yet"),
        # an LSTM instead of a recurrent NAC
        (
            SUB + "sub_model = keras.Sequential([keras.layers.LSTM(4), keras.layers.Dense(1)])\n"
            "train(sub_model, sub.x_train, sub.y_train, seed=0, steps=10)",
            "should contain keras.layers.RNN(RecurrentNAC(1))",
        ),
        # two units
        (
            "sub_model = keras.Sequential([keras.layers.RNN(RecurrentNAC(2))]); sub_model.build((None, 10, 10))",
            "one RNN(RecurrentNAC(1))",
        ),
    ],
)
def test_07_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("07-ex1", answer)
    assert not ok and message in output, output


@pytest.mark.parametrize(
    "answer",
    [
        # a gate held further out, as a float
        "fixed_nalu = keras.Sequential(\n"
        "    [keras.layers.RNN(RecurrentNALU(1, g_initializer=keras.initializers.Constant(-10.0)), unroll=True)]\n"
        ")\ntrain(fixed_nalu, prods.x_train, prods.y_train, seed=0)",
        # the RNN layer alone
        "fixed_nalu = keras.layers.RNN(RecurrentNALU(1, g_initializer=keras.initializers.Constant(-8)), unroll=True)\n"
        "train(fixed_nalu, prods.x_train, prods.y_train, seed=0)",
    ],
)
def test_07_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("07-ex2", answer)
    assert ok and "Exercise 2: correct" in output, output


@pytest.mark.parametrize(
    "answer",
    [
        # the default gate, which flips on long sequences
        "fixed_nalu = keras.Sequential([keras.layers.RNN(RecurrentNALU(1), unroll=True)])\n"
        "train(fixed_nalu, prods.x_train, prods.y_train, seed=0)",
        # a held gate, but never trained
        "fixed_nalu = keras.Sequential(\n"
        "    [keras.layers.RNN(RecurrentNALU(1, g_initializer=keras.initializers.Constant(-5.0)), unroll=True)]\n"
        ")",
        # a recurrent NAC, which can only add
        "fixed_nalu = keras.Sequential([keras.layers.RNN(RecurrentNAC(1), unroll=True)])\n"
        "train(fixed_nalu, prods.x_train, prods.y_train, seed=0)",
    ],
)
def test_07_ex2_rejects_wrong_answers(kernel, answer):
    ok, output = kernel.check("07-ex2", answer)
    assert not ok and "the largest relative error at 1000 steps is" in output, output
