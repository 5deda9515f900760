"""nalu_lib.tasks.static_task.benchmark.run on a tiny configuration: what it returns and how it scores."""

import numpy as np
import pytest

from nalu_lib import evaluation
from nalu_lib.models import stacked
from nalu_lib.tasks import static_arithmetic_task
from nalu_lib.tasks.static_task import benchmark

TINY = {"input_size": 4, "subset_size": 1, "overlap": 0}


def test_run_scores_each_cell_on_its_task():
    models = {"NAC": lambda: stacked("nac", (1,)), "NAU": lambda: stacked("nau", (1,))}
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
    assert [(r.op, r.model) for r in results] == [("add", "NAC"), ("add", "NAU"), ("sub", "NAC"), ("sub", "NAU")]
    for r in results:
        task = static_arithmetic_task(r.op, n_train=64, seed=0, **TINY)
        assert r.seeds == [0, 1, 2] and r.threshold == evaluation.worst_case_threshold(task)
        mse = evaluation.mse_per_model(r.ensemble.predict(task.x_extrapolation), task.y_extrapolation)
        np.testing.assert_allclose(r.extrapolation_mse, mse)
        initial = r.ensemble.predict(task.x_extrapolation, initial=True)
        baseline = evaluation.mse_per_model(initial, task.y_extrapolation)
        np.testing.assert_allclose(r.extrapolation_scaled, 100 * mse / baseline.mean())
        np.testing.assert_array_equal(r.successes, mse < r.threshold)
    # one-input sums: every NAU seed finds the exact weights and succeeds
    assert all(r.success_rate[0] == 1.0 for r in results if r.model == "NAU")
    ops, models_, values = evaluation.results_table(results, "success")
    assert (ops, models_) == (["add", "sub"], ["NAC", "NAU"]) and values.shape == (2, 2)


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"seeds": 0}, "seeds"), ({"steps": 1.5}, "steps"), ({"learning_rate": -1}, "learning_rate")]
)
def test_run_rejects_bad_settings(kwargs, name):
    with pytest.raises(ValueError, match=name):
        benchmark.run(ops=["add"], **kwargs)
