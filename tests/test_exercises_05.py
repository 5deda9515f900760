"""Notebook 05's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("05_where_nalu_breaks.ipynb") as k:
        yield k


@pytest.mark.parametrize(
    "answer",
    [
        "nau3_W = np.array([1.0, 1.0, -1.0])",
        "nau3_W = np.array([[1.0], [1.0], [-1.0]])",  # the layer's own (3, 1) shape
        "nau3_W = [1, 1, -1]",
    ],
)
def test_05_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check(
        "05-ex2",
        answer + "\nnau3 = keras.Sequential([NAU(1)]); nau3.build((None, 3))\n"
        "nau3.layers[0].set_weights([np.array([[1.0], [1.0], [-1.0]], np.float32)])",
    )
    assert ok, output


@pytest.mark.parametrize("answer", ["nau3_W = np.array([1.0, -1.0, 1.0])", "nau3_W = np.array([1.0, 1.0])"])
def test_05_ex2_rejects_wrong_answers(kernel, answer):
    ok, output = kernel.check("05-ex2", answer)
    assert not ok and "W = [1, 1, -1]" in output, output
