"""Notebook 04's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("04_the_arithmetic_benchmark.ipynb") as k:
        yield k


# the models ranked by their median scaled extrapolation error for sqrt, in this kernel's run: which
# model is lowest, and which a close second, can differ between CPUs and TensorFlow versions
RANKED = (
    "sqrt_cells = [r for r in results if r.op == 'sqrt']\n"
    "ranked = sorted(sqrt_cells, key=lambda r: np.median(r.extrapolation_scaled))\n"
)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("best_sqrt = ranked[1].model", "not the lowest median"),  # the close second
        ("best_sqrt = ranked[-1].model", "not the lowest median"),
        ("best_sqrt = sqrt_cells", "model name"),
    ],
)
def test_04_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("04-ex1", RANKED + answer)
    assert not ok and message in output, output


@pytest.mark.parametrize(
    "answer", ["best_sqrt = ranked[0].model", "best_sqrt = np.str_(ranked[0].model)  # a numpy string is a str too"]
)
def test_04_ex1_accepts_the_right_name(kernel, answer):
    ok, output = kernel.check("04-ex1", RANKED + answer)
    assert ok, output


def test_04_ex2(kernel):
    # the instructor's solution trains once; every answer below reuses or replaces its result
    ok, output = kernel.check("04-ex2", kernel.source("04-ex2-solution"), restore=False)
    assert ok, output
    right = [
        "nac_add_rate = longer[0].success_rate[0]",
        "nac_add_rate = float(np.mean(longer[0].successes))",
        "nac_add_rate = np.float32(longer[0].success_rate[0])",
    ]
    for answer in right:
        ok, output = kernel.check("04-ex2", answer, restore=False)
        assert ok, (answer, output)
    wrong = [
        ("nac_add_rate = longer[0].success_rate", "rate alone"),
        ("nac_add_rate = 100 * longer[0].success_rate[0] + 50", "fraction in [0, 1]"),
        ("nac_add_rate = '0%'", "fraction in [0, 1]"),
        ("nac_add_rate = 1 - longer[0].success_rate[0]", "share of seeds"),
        (
            "longer = benchmark.run(ops=['add'], models={'NAC': benchmark.MODELS['NAC']}, seeds=2, steps=100)\n"
            "nac_add_rate = longer[0].success_rate[0]",
            "10 seeds for 30000 steps",
        ),
        ("del longer\nnac_add_rate = 0", "keep the list"),
    ]
    for answer, message in wrong:
        ok, output = kernel.check("04-ex2", answer, restore=False)
        assert not ok and message in output, (answer, output)
