"""nalu_lib.tasks.static_task.benchmark.run on a tiny configuration: what it returns and how it scores."""

import numpy as np
import pytest

from nalu_lib import evaluation
from nalu_lib.models import stacked
from nalu_lib.tasks import static_arithmetic_task
from nalu_lib.tasks.static_task import benchmark

TINY = {"input_size": 4, "subset_size": 1, "overlap": 0}


def _by_hand(model, weights, x):
    """A one-layer, one-output model's predictions ``(seeds, n)`` from its stacked weights, in numpy."""
    x = np.asarray(x, np.float64)
    (kernel,) = (np.asarray(w, np.float64)[..., 0] for w in weights)  # (seeds, inputs)
    if model == "NAU":
        return kernel @ x.T  # sum_i W_i x_i
    return np.prod(kernel[:, None, :] * x[None] + 1 - kernel[:, None, :], axis=-1)  # NMU: prod_i (W_i x_i + 1 - W_i)


def test_run_scores_each_cell_against_figures_worked_out_by_hand():
    # one input for a and one for b: a single NAU (a weighted sum) solves add and sub exactly; a
    # single NMU (a product of W_i x_i + 1 - W_i) can do neither, and is never a success
    models = {"NAU": lambda: stacked("nau", (1,)), "NMU": lambda: stacked("nmu", (1,))}
    results = benchmark.run(
        ops=["add", "sub"],
        models=models,
        seeds=3,
        steps=300,
        batch_size=None,
        learning_rate=0.05,
        n_train=64,
        task_options=TINY,
        keep_models=True,
    )
    assert [(r.op, r.model) for r in results] == [("add", "NAU"), ("add", "NMU"), ("sub", "NAU"), ("sub", "NMU")]
    sign = {"add": 1.0, "sub": -1.0}
    for r in results:
        task = static_arithmetic_task(r.op, n_train=64, seed=0, **TINY)
        (i,), (j,) = task.a_index, task.b_index
        assert r.seeds == [0, 1, 2] and r.steps == 300
        x = task.x_extrapolation.astype(np.float64)
        exact = x[:, i] + sign[r.op] * x[:, j]
        # weights within 1e-5 of exact move a and b each by at most 1e-5 * sum|x|, so a + b or
        # a - b by 2e-5 * sum|x|: the threshold is the mean of its square, up to the float32
        # rounding r of the stored targets, which moves each error by at most |r|
        two_delta = 2e-5 * np.abs(x).sum(axis=1)
        rounding = np.abs(exact - task.y_extrapolation[:, 0].astype(np.float64))
        assert np.mean((two_delta - rounding) ** 2) <= r.threshold <= np.mean((two_delta + rounding) ** 2)
        assert r.threshold == pytest.approx(np.mean(two_delta**2), rel=5e-3)
        for split in ("interpolation", "extrapolation"):
            xs, ys = getattr(task, f"x_{split}"), getattr(task, f"y_{split}")[:, 0].astype(np.float64)
            mse = np.mean((_by_hand(r.model, r.ensemble.weights, xs) - ys) ** 2, axis=1)
            untrained = np.mean((_by_hand(r.model, r.ensemble.initial_weights, xs) - ys) ** 2, axis=1)
            # float32 predictions: the NAU's near-zero errors agree to 1e-9, a hundredth of the threshold
            np.testing.assert_allclose(getattr(r, f"{split}_mse"), mse, rtol=1e-4, atol=1e-9)
            scaled = 100 * mse / untrained.mean()  # the untrained models' mean MSE scores 100
            atol = 100 * 1e-9 / untrained.mean()
            np.testing.assert_allclose(getattr(r, f"{split}_scaled"), scaled, rtol=1e-4, atol=atol)
        if r.model == "NAU":  # near the exact weights: 1 on a's input, +-1 on b's, 0 elsewhere
            exact_weights = np.zeros(4)
            exact_weights[i], exact_weights[j] = 1.0, sign[r.op]
            for kernel in r.ensemble.weights[0][..., 0]:
                np.testing.assert_allclose(kernel, exact_weights, atol=1e-4)
            assert r.successes.tolist() == [True] * 3 and r.success_rate[0] == 1.0
        else:
            assert r.successes.tolist() == [False] * 3 and r.success_rate[0] == 0.0
            assert np.all(r.extrapolation_mse > 1.0)
    ops, models_, values = evaluation.results_table(results, "success")
    assert (ops, models_) == (["add", "sub"], ["NAU", "NMU"])
    np.testing.assert_array_equal(values, [[100.0, 0.0], [100.0, 0.0]])


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"seeds": 0}, "seeds"), ({"steps": 1.5}, "steps"), ({"learning_rate": -1}, "learning_rate")]
)
def test_run_rejects_bad_settings(kwargs, name):
    with pytest.raises(ValueError, match=name):
        benchmark.run(ops=["add"], **kwargs)
