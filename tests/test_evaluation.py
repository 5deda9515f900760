"""The evaluation metrics: Wilson interval against published values, the success threshold
worked out by hand, the scaled error, the results table, and initial_model against train()."""

import keras
import numpy as np
import pytest
from scipy.stats import norm

from nalu_lib import NAC, evaluation, train
from nalu_lib.tasks import static_arithmetic_task


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Wilson score intervals at 95% (e.g. statsmodels' proportion_confint(method="wilson"))
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 2, 0.0945, 0.9055),
    ],
)
def test_wilson_interval_matches_known_values(successes, n, low, high):
    rate, lo, hi = evaluation.success_rate([True] * successes + [False] * (n - successes))
    assert rate == successes / n
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


#: z = the (1 + c) / 2 quantile of the standard normal, as printed in any statistics table
Z_TABLE = {0.9: 1.644854, 0.95: 1.959964, 0.99: 2.575829}


def _wilson_by_hand(k, n, confidence):
    """Wilson's (1927) score interval written out: centre +- half-width, z from the normal quantile."""
    z = norm.ppf((1 + confidence) / 2)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
@pytest.mark.parametrize(("k", "n"), [(0, 10), (10, 10), (3, 10), (8, 10), (1, 2), (0, 1), (17, 100), (100, 100)])
def test_wilson_interval_at_each_confidence_matches_the_formula(k, n, confidence):
    assert norm.ppf((1 + confidence) / 2) == pytest.approx(Z_TABLE[confidence], abs=1e-6)
    rate, low, high = evaluation.success_rate([True] * k + [False] * (n - k), confidence)
    expected_low, expected_high = _wilson_by_hand(k, n, confidence)
    assert rate == k / n
    assert low == pytest.approx(expected_low, abs=1e-9) and high == pytest.approx(expected_high, abs=1e-9)
    z2 = Z_TABLE[confidence] ** 2
    if k == 0:  # closed forms at the edges: [0, z^2 / (n + z^2)] and [n / (n + z^2), 1]
        assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(z2 / (n + z2), abs=1e-6)
    if k == n:
        assert low == pytest.approx(n / (n + z2), abs=1e-6) and high == pytest.approx(1.0, abs=1e-12)


def test_success_rate_rejects_bad_confidence_and_empty_input():
    results = [True] * 3 + [False] * 7
    for bad in (0, 1, 1.5, "high"):
        with pytest.raises(ValueError, match="confidence"):
            evaluation.success_rate(results, bad)
    with pytest.raises(ValueError, match="empty"):
        evaluation.success_rate([])


def test_worst_case_threshold_by_hand():
    epsilon = 1e-3
    add = static_arithmetic_task("add", input_size=6, subset_size=2, overlap=1, n_test=50, seed=1)
    delta = epsilon * np.abs(add.x_extrapolation.astype(np.float64)).sum(axis=1)
    # a + b off by at most 2 delta: the worst near-exact solution's squared error is (2 delta)^2 (up to the
    # float32 rounding of the stored targets)
    assert evaluation.worst_case_threshold(add, epsilon) == pytest.approx(np.mean((2 * delta) ** 2), rel=1e-5)
    mul = static_arithmetic_task("mul", input_size=6, subset_size=2, overlap=1, n_test=50, seed=1)
    x = mul.x_extrapolation.astype(np.float64)
    a, b = x[:, mul.a_index].sum(axis=1), x[:, mul.b_index].sum(axis=1)
    delta = epsilon * np.abs(x).sum(axis=1)
    # positive a and b: the worst corner is (a + delta)(b + delta), off by delta (a + b) + delta^2
    expected = np.mean((delta * (a + b) + delta**2) ** 2)
    assert evaluation.worst_case_threshold(mul, epsilon) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="epsilon"):
        evaluation.worst_case_threshold(add, 0.0)


def test_scaled_error_and_mse_per_model():
    y = np.array([[1.0], [2.0]])
    predictions = np.array([[[1.0], [2.0]], [[2.0], [4.0]], [[np.nan], [0.0]]])
    mse = evaluation.mse_per_model(predictions, y)
    np.testing.assert_array_equal(mse, [0.0, 2.5, np.inf])
    np.testing.assert_allclose(evaluation.scaled_error(mse[:2], [2.0, 3.0]), [0.0, 100.0])
    with pytest.raises(ValueError, match="random_baseline_mse"):
        evaluation.scaled_error(mse, [0.0])


class _Cell:
    def __init__(self, op, model, scaled, rate):
        self.op, self.model = op, model
        self.interpolation_scaled = self.extrapolation_scaled = np.asarray(scaled)
        self.success_rate = (rate, 0.0, 1.0)


def test_results_table_takes_duck_typed_results():
    cells = [_Cell("add", "NAC", [1, 2, 30], 0.5), _Cell("mul", "NAC", [4], 1.0), _Cell("add", "MLP", [7], 0.0)]
    ops, models, values = evaluation.results_table(cells)
    assert (ops, models) == (["add", "mul"], ["NAC", "MLP"])
    np.testing.assert_array_equal(values, [[2.0, 7.0], [4.0, np.nan]])
    np.testing.assert_array_equal(evaluation.results_table(cells, "success")[2], [[50.0, 0.0], [100.0, np.nan]])
    with pytest.raises(ValueError, match="split"):
        evaluation.results_table(cells, "test")


def test_initial_model_is_where_train_starts():
    x = np.random.default_rng(0).uniform(0, 1, (20, 2)).astype(np.float32)
    start = evaluation.initial_model(lambda: keras.Sequential([NAC(1)]), x, seed=5)
    model = keras.Sequential([NAC(1)])
    history = train(model, x, x.sum(axis=1, keepdims=True), steps=1, seed=5)
    first_loss = np.mean((evaluation.predict(start, x) - x.sum(axis=1, keepdims=True)) ** 2)
    assert history.loss[0] == pytest.approx(first_loss, rel=1e-5)
    with pytest.raises(ValueError, match="build_model"):
        evaluation.initial_model(model, x, seed=0)
