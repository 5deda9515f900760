"""Notebook 05's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("05_where_nalu_breaks.ipynb") as k:
        yield k


# --------------------------------------------------------------------------- exercise 1: an NMU set by hand


@pytest.mark.parametrize(
    "answer",
    [
        "nmu_hand = NMU(1)\nnmu_hand.build((None, 3))\nnmu_hand.set_weights([np.array([[1.0], [0.0], [1.0]])])",
        # a model holding the NMU, built by calling it
        "nmu_hand = keras.Sequential([NMU(1)])\nnmu_hand(np.zeros((1, 3), np.float32))\n"
        "nmu_hand.layers[0].set_weights([np.array([[1], [0], [1]], np.float32)])",
    ],
)
def test_05_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("05-ex1", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        # every input multiplied in: x1 x2 x3
        (
            "nmu_hand = NMU(1)\nnmu_hand.build((None, 3))\nnmu_hand.set_weights([np.ones((3, 1))])",
            "nmu_hand should compute x1 * x3",
        ),
        # the weights of x1 x2 instead
        (
            "nmu_hand = NMU(1)\nnmu_hand.build((None, 3))\nnmu_hand.set_weights([np.array([[1.0], [1.0], [0.0]])])",
            "nmu_hand should compute x1 * x3",
        ),
        # the right products, but not from an NMU
        (
            "nmu_hand = keras.Sequential([keras.layers.Lambda(lambda x: x[:, :1] * x[:, 2:])])",
            "nmu_hand should be an NMU",
        ),
    ],
)
def test_05_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("05-ex1", answer)
    assert not ok and message in output, output


# --------------------------------------------------------------------------- exercise 2: a NAU learns x1 + x2 - x3

RIGHT_NAU = (
    "\nnau3 = keras.Sequential([NAU(1)]); nau3.build((None, 3))\n"
    "nau3.layers[0].set_weights([np.array([[1.0], [1.0], [-1.0]], np.float32)])"
)


@pytest.mark.parametrize(
    "answer",
    [
        "nau3_W = np.array([1.0, 1.0, -1.0])",
        "nau3_W = np.array([[1.0], [1.0], [-1.0]])",  # the layer's own (3, 1) shape
        "nau3_W = [1, 1, -1]",
        "nau3_W = nau3.layers[0].W",  # not rounded
    ],
)
def test_05_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("05-ex2", RIGHT_NAU + "\n" + answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("nau3_W = np.array([1.0, -1.0, 1.0])", "W = [1, 1, -1]"),  # signs swapped
        ("nau3_W = np.array([1.0, 1.0])", "yours has shape (2,)"),  # a wrong shape: a clear message
        ("nau3_W = np.array([1.0, 1.0])", "W = [1, 1, -1]"),
        ("nau3_W = 'W = [1, 1, -1]'", "three numbers"),  # text, not numbers
    ],
)
def test_05_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("05-ex2", RIGHT_NAU + "\n" + answer)
    assert not ok and message in output, output


def test_05_ex2_rejects_a_model_that_does_not_extrapolate(kernel):
    ok, output = kernel.check(
        "05-ex2",
        "nau3 = keras.Sequential([NAU(1)]); nau3.build((None, 3))\n"
        "nau3.layers[0].set_weights([np.array([[1.0], [0.9], [-1.0]], np.float32)])\n"
        "nau3_W = [1, 1, -1]",
    )
    assert not ok and "nau3 should extrapolate" in output, output
