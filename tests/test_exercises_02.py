"""Notebook 02's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel

#: The right model for exercise 1, trained as the instructor's solution does.
NAC3 = """
x3 = np.random.default_rng(0).uniform(0, 1000, size=(1000, 3)).astype(np.float32)
nac3 = keras.Sequential([NAC(1)])
train(nac3, x3, x3.sum(axis=1, keepdims=True), seed=42)
"""


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("02_the_nac_learns_addition.ipynb") as k:
        for solution in ("02-ex1-solution", "02-ex2-solution"):  # nac3 and nac_seed0, reused below
            ok, output = k.run(k.source(solution))
            assert ok, output
        yield k


@pytest.mark.parametrize(
    "answer",
    [
        "W3 = nac3.layers[0].W",  # the layer's own (3, 1) array
        "W3 = nac3.layers[0].W.ravel()",
        "W3 = [1, 1, 1]",
        "W3 = [1.0, 1.0, 1.0]",
        "W3 = (1, 1, 1)",
        "W3 = np.ones(3, dtype=np.int64)",
        "W3 = np.ones((3, 1), dtype=np.float32)",
        "W3 = np.ones((1, 3))",
        "W3 = [np.float32(1), np.float64(1), np.int32(1)]",
    ],
)
def test_02_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("02-ex1", NAC3 + answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("W3 = [1, 1]", "W3 should hold 3 weights"),
        ("W3 = np.ones((3, 3))", "W3 should hold 3 weights"),
        ("W3 = [0.5, 0.5, 0.5]", "every weight should be 1"),
        ("W3 = [1, 1, -1]", "every weight should be 1"),
        ("W3 = 'W = [1, 1, 1]'", "W3 should be the NAC's three weights"),
        ("W3 = [[1, 1], [1]]", "W3 should be the NAC's three weights"),
        ("W3 = [1, 1, 1]; nac3 = keras.Sequential([NAC(1)]); nac3.build((None, 3))", "train it"),
        ("W3 = [1, 1, 1]; nac3 = W3", "nac3 should be the trained model"),
    ],
)
def test_02_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("02-ex1", NAC3 + answer)
    assert not ok and message in output, output


@pytest.mark.parametrize(
    "answer",
    [
        "w_seed0 = nac_seed0.layers[0].W",  # the layer's own (2, 1) array
        "w_seed0 = list(nac_seed0.layers[0].W.ravel())",
        "w_seed0 = nac_seed0.layers[0].W.ravel().astype(np.float64)",
        "sum_seed0 = float(sum_seed0)",
        "sum_seed0 = evaluation.predict(nac_seed0, [[1000, 1000]])",  # a (1, 1) array
        "sum_seed0 = nac_seed0(np.array([[1000.0, 1000.0]]))[0]",  # a tensor
    ],
)
def test_02_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("02-ex2", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "w_seed0 = article_nac.layers[0].W; sum_seed0 = evaluation.predict(article_nac, [[1000, 1000]])[0, 0]",
            "use seed 0, not 42",
        ),
        ("w_seed0 = default_nac.layers[0].W; sum_seed0 = 2000.0", "W reached 1 exactly"),
        ("w_seed0 = [1, 1]; sum_seed0 = 2000", "W reached 1 exactly"),
        ("sum_seed0 = 2000.0", "sum_seed0 should be the model's prediction"),
        ("sum_seed0 = [1999.9, 2000.0]", "sum_seed0 one number"),
        ("w_seed0 = nac_seed0.layers[0].W[0]", "w_seed0 should hold the NAC's 2 weights"),
        ("w_seed0 = [0.5, 0.5]", "the article's settings stop just short of 1"),
    ],
)
def test_02_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("02-ex2", answer)
    assert not ok and message in output, output
