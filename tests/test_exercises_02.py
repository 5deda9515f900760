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


def _seed0_run(layer: str, steps: int = 22000, seed: int = 0, optimizer: str = "keras.optimizers.Adam(0.05)") -> str:
    """A student's run for exercise 2: ``nac_seed0`` built as ``layer``, trained, and its answers."""
    return f"""
nac_seed0 = keras.Sequential([{layer}])
train(nac_seed0, x_train, y_train, steps={steps}, optimizer={optimizer}, seed={seed})
w_seed0 = nac_seed0.layers[0].W
sum_seed0 = evaluation.predict(nac_seed0, [[1000, 1000]])[0, 0]
"""


ARTICLE_NAC = (
    "NAC(1, w_hat_initializer=keras.initializers.RandomUniform(-2, 2), "
    "m_hat_initializer=keras.initializers.RandomUniform(-2, 2))"
)


@pytest.mark.parametrize(
    "answer",
    [
        # two initializer objects, written with keywords and floats
        _seed0_run(
            "NAC(1, w_hat_initializer=keras.initializers.RandomUniform(minval=-2.0, maxval=2.0), "
            "m_hat_initializer=keras.initializers.RandomUniform(minval=-2.0, maxval=2.0))"
        ),
        # Adam with its defaults written out
        _seed0_run(ARTICLE_NAC, optimizer="keras.optimizers.Adam(learning_rate=0.05, beta_1=0.9, beta_2=0.999)"),
    ],
)
def test_02_ex2_accepts_other_right_runs(kernel, answer):
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
        # Keras's default initializer instead of the article's: W still stops just short of 1
        (_seed0_run("NAC(1)"), "starts from GlorotUniform (Keras's default), not the article's uniform draw"),
        (
            _seed0_run("NAC(1, w_hat_initializer=keras.initializers.RandomUniform(-2, 2))"),
            "nac_seed0's M_hat starts from GlorotUniform (Keras's default)",
        ),
        # the article's NALU initializer, or a narrower uniform draw
        (
            _seed0_run(
                "NAC(1, w_hat_initializer=keras.initializers.TruncatedNormal(stddev=0.02), "
                "m_hat_initializer=keras.initializers.TruncatedNormal(stddev=0.02))"
            ),
            "starts from TruncatedNormal, not the article's uniform draw",
        ),
        (
            _seed0_run(
                "NAC(1, w_hat_initializer=keras.initializers.RandomUniform(-1, 1), "
                "m_hat_initializer=keras.initializers.RandomUniform(-1, 1))"
            ),
            "starts from RandomUniform, not the article's uniform draw from [-2, 2]",
        ),
        # the article's initialisation, but another seed or fewer steps
        (_seed0_run(ARTICLE_NAC, seed=1), "nac_seed0 is not the article's run with seed 0"),
        (_seed0_run(ARTICLE_NAC, steps=20000), "nac_seed0 is not the article's run with seed 0"),
        # numbers that pass for a run, not nac_seed0's
        ("w_seed0 = [0.99995, 0.99995]; sum_seed0 = 1999.9", "w_seed0 should be nac_seed0's learned W"),
    ],
)
def test_02_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("02-ex2", answer)
    assert not ok and message in output, output
