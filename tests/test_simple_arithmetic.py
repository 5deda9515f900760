"""Heim et al.'s simple arithmetic task (notebook 10): data, grids, errors, the committed run."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from nalu_lib.tasks import simple_arithmetic as task


def test_targets_are_the_four_operations():
    x = np.array([[2.0, 4.0], [-3.0, 0.5], [9.0, -2.0]])
    expected = [[6, 8, 0.5, np.sqrt(2)], [-2.5, -1.5, -6, np.nan], [7, -18, -4.5, 3]]
    np.testing.assert_allclose(task.targets(x), expected)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        task.targets(np.ones((3, 3)))


def test_the_test_grids_are_the_authors_ranges():
    signed, positive = task.test_grids()
    values = np.unique(signed[:, 0])
    assert signed.shape == (41 * 41, 2) and positive.shape == (40 * 40, 2)
    np.testing.assert_allclose(values[[0, 1, -1]], [-4.1, -3.9, 3.9], atol=1e-6)  # -4.1:0.2:4
    assert np.min(np.abs(values)) > 0.09  # no zero: x / y stays finite
    np.testing.assert_allclose(np.unique(positive[:, 0])[[0, -1]], [0.1, 4.0], atol=1e-6)  # 0.1:0.1:4


def test_test_errors_are_zero_for_the_exact_function_and_the_mean_absolute_error_otherwise():
    np.testing.assert_array_equal(task.test_errors(task.targets), np.zeros((1, 4)))
    off_by_one = task.test_errors(lambda x: np.stack([task.targets(x), task.targets(x) + 1]))
    np.testing.assert_allclose(off_by_one, [[0, 0, 0, 0], [1, 1, 1, 1]])


def test_the_stream_draws_fresh_positive_inputs_with_their_targets():
    stream = task.SimpleArithmeticStream()
    x0, y0 = (np.asarray(t) for t in stream.batch(0))
    x1, _ = (np.asarray(t) for t in stream.batch(1))
    assert x0.shape == (task.BATCH_SIZE, 2) and y0.shape == (task.BATCH_SIZE, 4)
    assert x0.min() >= task.TRAIN_RANGE[0] and x0.max() < task.TRAIN_RANGE[1]
    np.testing.assert_allclose(y0, task.targets(x0), rtol=1e-6)
    assert not np.allclose(x0, x1)  # a new batch every step
    np.testing.assert_array_equal(np.asarray(stream.batch(0)[0]), x0)  # the same step, the same batch
    with pytest.raises(ValueError, match="batch_size"):
        task.SimpleArithmeticStream(batch_size=0)


def test_the_model_is_a_unit_layer_then_a_linear_layer_of_four_outputs():
    from nalu_lib import RealNPU

    model = task.model(RealNPU)
    model.build((None, 2))
    assert type(model.layers[0]) is RealNPU and model.layers[0].units == task.HIDDEN
    assert model.output_shape == (None, 4) and not model.layers[1].use_bias


def test_the_committed_run_is_complete_and_summarised_as_the_published_table():
    runs = task.load_results()
    assert set(runs) == {"NPU", "RealNPU"}
    for rows in runs.values():
        assert sorted(row["seed"] for row in rows) == list(range(20))
        assert all(row["steps"] == task.STEPS and row["learning_rate"] == task.LEARNING_RATE for row in rows)
    assert all(row["max_abs_W_im"] == 0 for row in runs["NPU"])  # positive inputs: W_im gets no gradient
    summary = task.summarize(runs["RealNPU"])
    divide = np.array([row["div"] for row in runs["RealNPU"]])
    assert summary["div"] == pytest.approx((divide.mean(), divide.std(ddof=1) / np.sqrt(20)))
    with pytest.raises(ValueError, match="distinct"):
        task.summarize(runs["RealNPU"] + runs["RealNPU"][:1])


def test_the_published_table_holds_every_unit_and_output():
    assert set(task.PUBLISHED) == {"NPU", "RealNPU", "NMU", "NALU", "iNALU", "Dense"}
    assert all(set(row) == set(task.OUTPUTS) for row in task.PUBLISHED.values())
    assert task.PUBLISHED["RealNPU"]["div"] == (0.085, 0.038)  # plots/simple_err_table.tex


def test_success_rates_by_task_draws_one_bar_per_task_and_unit():
    from nalu_lib.notebook import plots

    rates = {(t, u): (0.5, 0.2, 0.8) for t in ("a", "b", "c") for u in ("NALU", "NPU")}
    ax = plots.success_rates_by_task(rates)
    assert len(ax.patches) == 6
    assert [label.get_text() for label in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["NALU", "NPU"]
