"""Notebook 04's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("04_the_arithmetic_benchmark.ipynb") as k:
        yield k


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ('best_sqrt = "Linear"', "not the lowest median"),  # a close second in this run
        ('best_sqrt = "NAC"', "not the lowest median"),
        ("best_sqrt = sqrt_cells", "model name"),
    ],
)
def test_04_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("04-ex1", "sqrt_cells = [r for r in results if r.op == 'sqrt']\n" + answer)
    assert not ok and message in output, output


def test_04_ex1_accepts_the_right_name(kernel):
    ok, output = kernel.check("04-ex1", 'best_sqrt = "MLP (ReLU6)"')
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
