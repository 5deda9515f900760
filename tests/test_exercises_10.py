"""Notebook 10's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("10_beyond_the_nmu.ipynb") as k:
        yield k


# --------------------------------------------------------------------------- exercise 1: an NPU set by hand


def npu(W_re, W_im=(0, 0), g=(1, 1), sequential=False, cls="NPU"):
    """An answer to exercise 1: a unit of class ``cls`` for two inputs with these weights."""
    columns = ", ".join(f"np.array({list(w)}, np.float32).reshape(2, 1)" for w in (W_re, W_im))
    weights = f"[{columns}, np.array({list(g)}, np.float32)]"
    if cls == "RealNPU":
        weights = f"[np.array({list(W_re)}, np.float32).reshape(2, 1), np.array({list(g)}, np.float32)]"
    if sequential:
        return (
            f"npu_hand = keras.Sequential([{cls}(1)])\nnpu_hand(np.zeros((1, 2), np.float32))\n"
            f"npu_hand.layers[0].set_weights({weights})"
        )
    return f"npu_hand = {cls}(1)\nnpu_hand.build((None, 2))\nnpu_hand.set_weights({weights})"


@pytest.mark.parametrize(
    "answer",
    [
        npu([2, -1]),  # the instructor's
        npu([2, -1], sequential=True),  # a model holding the NPU
        npu([2, -1], g=(1.5, 3.0)),  # a gate past 1 is clipped to 1
    ],
)
def test_10_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("10-ex1", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (npu([1, -1]), "npu_hand should compute x1**2 / x2"),  # x1 / x2
        (npu([2, 1]), "npu_hand should compute x1**2 / x2"),  # x1**2 * x2
        (npu([2, -1], g=(0.5, 1)), "npu_hand should compute x1**2 / x2"),  # x1's gate half open
        (npu([2, -1], W_im=(0.1, 0)), "npu_hand should compute x1**2 / x2"),  # an imaginary weight left in
        (npu([2, -1], cls="RealNPU"), "npu_hand should be an NPU"),  # the right formula, another unit
        (
            "npu_hand = keras.Sequential([keras.layers.Lambda(lambda x: x[:, :1] ** 2 / x[:, 1:])])",
            "npu_hand should be an NPU",
        ),
    ],
)
def test_10_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("10-ex1", answer)
    assert not ok and message in output, output


# --------------------------------------------------------------------------- exercise 2: a RealNPU learns x1 / x2**2


def real_npu(W=(1, -2), g=(1, 1), layer_only=False):
    """A hand-made answer model for exercise 2, a RealNPU with these weights."""
    weights = f"[np.array({list(W)}, np.float32).reshape(2, 1), np.array({list(g)}, np.float32)]"
    if layer_only:
        return f"power_npu = RealNPU(1)\npower_npu.build((None, 2))\npower_npu.set_weights({weights})\n"
    return (
        f"power_npu = keras.Sequential([RealNPU(1)])\npower_npu(np.zeros((1, 2), np.float32))\n"
        f"power_npu.layers[0].set_weights({weights})\n"
    )


@pytest.mark.parametrize(
    "answer",
    [
        real_npu() + "power_W = np.array([1.0, -2.0])",
        real_npu() + "power_W = np.array([[1.0], [-2.0]])",  # the layer's own (2, 1) shape
        real_npu() + "power_W = [1, -2]",
        real_npu() + "power_W = power_npu.layers[0].W",  # not rounded
        real_npu(W=(1.001, -1.999)) + "power_W = power_npu.layers[0].W.ravel().round(2)",  # trained, near
        real_npu(layer_only=True) + "power_W = power_npu.W",  # the layer itself, not a model
    ],
)
def test_10_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("10-ex2", answer, restore=False)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (real_npu() + "power_W = np.array([1.0, -1.0])", "W = [1, -2]"),  # x1 / x2
        (real_npu() + "power_W = np.array([-2.0, 1.0])", "W = [1, -2]"),  # the inputs swapped
        (real_npu() + "power_W = np.array([1.0, -2.0, 0.0])", "yours has shape (3,)"),  # a clear message
        (real_npu() + "power_W = 'W = [1, -2]'", "two numbers"),  # text, not numbers
        # the right weights reported, but a model whose gate is not open: wrong far out
        (real_npu(g=(1, 0.9)) + "power_W = [1, -2]", "power_npu should extrapolate"),
        (real_npu(W=(1, -1.9)) + "power_W = [1, -2]", "power_npu should extrapolate"),  # not the weights it reports
    ],
)
def test_10_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("10-ex2", answer, restore=False)
    assert not ok and message in output, output


def test_10_ex2_instructors_solution_passes(kernel):
    ok, output = kernel.run(kernel.source("10-ex2-solution"))
    assert ok, output
    ok, output = kernel.run(kernel.source("10-ex2-check"))
    assert ok and "Exercise 2: correct" in output, output
