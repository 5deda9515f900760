"""Notebook 03's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("03_the_nalu_learns_multiplication.ipynb") as k:
        ok, output = k.run(k.source("03-ex2-solution"))  # defines x_square, the training inputs
        assert ok, output
        yield k


def divider(w_hat, m_hat, g, sequential=False, nalu="NALU(1)"):
    """An answer to exercise 1: a NALU(1) (or the layer ``nalu``) built and given these weights."""
    weights = ", ".join(f"np.array({w}, np.float32).reshape(2, 1)" for w in (w_hat, m_hat, g))
    layer = f"keras.Sequential([{nalu}])" if sequential else nalu
    return f"hand_divider = {layer}\nhand_divider.build((None, 2))\nhand_divider.set_weights([{weights}])"


@pytest.mark.parametrize(
    "answer",
    [
        divider([20, -20], [20, 20], [-20, -20]),  # the instructor's
        divider([30, -30], [40, 40], [-1, -1]),
        divider([20, -20], [20, 20], [-1, -1], sequential=True),
        divider([10, -10], [18, 18], [-0.5, -2]),
        # the log path in float32, as the article's NALU computes it: off by about 1.4e-6 far out
        divider([20, -20], [20, 20], [-20, -20], nalu="NALU(1, log_space_dtype=None)"),
        divider([20, -20], [20, 20], [-20, -20], sequential=True, nalu="NALU(1, log_space_dtype='float32')"),
    ],
)
def test_03_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("03-ex1", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (divider([20, 20], [20, 20], [-20, -20]), "W should be [1, -1] exactly"),  # multiplies
        (divider([-20, 20], [20, 20], [-20, -20]), "W should be [1, -1] exactly"),  # x2 / x1
        (divider([3, -3], [5, 5], [-20, -20]), "W should be [1, -1] exactly"),  # not saturated
        (divider([20, -20], [20, 20], [20, 20]), "close the gate"),  # gate open: adds
        (divider([20, -20], [20, 20], [0, 0]), "close the gate"),  # gate half open
        (divider([20, -20], [20, 20], [-0.005, -0.005]), "close the gate"),  # gate nearly closed, not quite
        ("hand_divider = NALU(1)", "build hand_divider first"),
        ("hand_divider = keras.layers.Dense(1)", "hand_divider should be a NALU(1)"),
        ("hand_divider = NALU(1); hand_divider.build((None, 3))", "hand_divider should take 2 inputs"),
    ],
)
def test_03_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("03-ex1", answer)
    assert not ok and message in output, output


def square(inputs: str, train_it: bool = True, model: str = "keras.Sequential([NALU(1)])") -> str:
    """An answer to exercise 2: ``square_inputs`` returning ``inputs`` and a model trained on it."""
    answer = f"def square_inputs(x):\n    return {inputs}\n\nsquare_model = {model}\n"
    if train_it:
        answer += "train(square_model, square_inputs(x_square), x_square**2, seed=0)\n"
    else:
        answer += "square_model.build((None, 2))\n"
    return answer


@pytest.mark.parametrize(
    "answer",
    [
        square("np.hstack([x, x])"),  # the instructor's
        square("np.concatenate([x, x], axis=1)"),
        square("np.repeat(x, 2, axis=1)"),
        square("tf.concat([x, x], axis=1)"),
        square("np.hstack([x, x]).astype(np.float64)"),
    ],
)
def test_03_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("03-ex2", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (square("x"), "square_model is off by"),  # one input: x^W with W < 1
        (square("np.hstack([x, x])", train_it=False), "square_model is off by"),  # untrained
        (square("x**2", model="keras.Sequential([nalu_lib.NAC(1)])"), "not compute the square"),
        (square("np.hstack([x, x]).ravel()", train_it=False), "one row per row of x"),
        (square("np.hstack([x, x]).T", train_it=False), "one row per row of x"),
    ],
)
def test_03_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("03-ex2", answer)
    assert not ok and message in output, output
