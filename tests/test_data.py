"""Data generators: the article's data exactly, shapes, ranges, determinism, bad arguments."""

import numpy as np
import pytest

from nalu_lib import tasks as data


def test_article_task_is_the_articles_data():
    x_train, y_train, x_test, y_test = data.article_task("add")
    np.testing.assert_array_equal(x_train[:, 0], np.arange(0, 10000, 5, dtype=np.float32))
    np.testing.assert_array_equal(x_train[:, 1], np.arange(5, 10005, 5, dtype=np.float32))
    np.testing.assert_array_equal(x_test[:, 0], np.arange(1000, 2000, 8, dtype=np.float32))
    np.testing.assert_array_equal(x_test[:, 1], np.arange(1000, 1500, 4, dtype=np.float32))
    assert x_train.shape == (2000, 2) and y_train.shape == (2000, 1) and y_test.shape == (125, 1)
    assert all(a.dtype == np.float32 for a in (x_train, y_train, x_test, y_test))
    assert y_test[0, 0] == 2000.0


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_article_task_targets(op):
    _x_train, y_train, x_test, y_test = data.article_task(op)
    expected = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op]
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(y_test[:, 0], expected(x_test[:, 0].astype(float), x_test[:, 1]), rtol=1e-7)
    assert np.all(np.isfinite(y_train))


def test_article_test_set_interpolates_and_extrapolation_set_does_not():
    x_train, _, x_test, _ = data.article_task("mul")
    assert x_test.min() >= x_train.min() and x_test.max() <= x_train.max()
    x_far, y_far = data.article_extrapolation_set("mul")
    assert x_far.min() >= 100 * x_train.max()
    np.testing.assert_allclose(y_far[:, 0], x_far[:, 0].astype(float) * x_far[:, 1], rtol=1e-7)


def test_identity_task():
    x_train, y_train, x_test, _y_test = data.identity_task(seed=3)
    assert x_train.min() >= -5 and x_train.max() <= 5
    assert x_test.min() == -20 and x_test.max() == 20
    np.testing.assert_array_equal(x_train, y_train)
    np.testing.assert_array_equal(x_train, data.identity_task(seed=3)[0])
    assert not np.array_equal(x_train, data.identity_task(seed=4)[0])


def test_random_pairs():
    x, y = data.random_pairs("sub", n=50, low=10, high=20, seed=1)
    assert x.shape == (50, 2) and y.shape == (50, 1)
    assert x.min() >= 10 and x.max() < 20
    np.testing.assert_allclose(y[:, 0], x[:, 0].astype(float) - x[:, 1], rtol=1e-6)


@pytest.mark.parametrize("op", data.OPERATIONS)
def test_static_task(op):
    task = data.static_arithmetic_task(op, n_train=200, n_test=100, seed=5)
    assert task.x_train.shape == (200, 100) and task.y_train.shape == (200, 1)
    assert task.x_extrapolation.shape == (100, 100)
    assert len(task.a_index) == 25 and len(task.b_index) == 25
    assert len(np.intersect1d(task.a_index, task.b_index)) == 12
    assert 1 <= task.x_interpolation.min() and task.x_interpolation.max() <= 2
    assert 2 <= task.x_extrapolation.min() and task.x_extrapolation.max() <= 6
    a = task.x_train[:, task.a_index].astype(np.float64).sum(axis=1)
    b = task.x_train[:, task.b_index].astype(np.float64).sum(axis=1)
    np.testing.assert_allclose(task.y_train[:, 0], data.apply_op(op, a, b), rtol=1e-5, atol=1e-5)
    again = data.static_arithmetic_task(op, n_train=200, n_test=100, seed=5)
    np.testing.assert_array_equal(task.x_extrapolation, again.x_extrapolation)
    other = data.static_arithmetic_task(op, n_train=200, n_test=100, seed=6)
    assert not np.array_equal(task.x_train, other.x_train)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: data.article_task("pow"), "op"),
        (lambda: data.article_task("square"), "op"),
        (lambda: data.article_extrapolation_set("add", scale=0), "scale"),
        (lambda: data.random_pairs("add", low=5, high=5), "low, high"),
        (lambda: data.random_pairs("add", n=0), "n"),
        (lambda: data.identity_task(train_range=(5, -5)), "train_range"),
        (lambda: data.identity_task(test_range=(0, float("inf"))), "test_range"),
        (lambda: data.static_arithmetic_task("log"), "op"),
        (lambda: data.static_arithmetic_task("add", subset_size=101), "subset_size"),
        (lambda: data.static_arithmetic_task("add", overlap=26), "overlap"),
        (lambda: data.static_arithmetic_task("add", input_size=40, subset_size=25, overlap=0), "input_size"),
        (lambda: data.static_arithmetic_task("add", n_train=0), "n_train"),
        (lambda: data.static_arithmetic_task("add", extrapolation_range=(6, 2)), "extrapolation_range"),
    ],
)
def test_bad_arguments_name_themselves(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: data.static_arithmetic_task("sqrt", interpolation_range=(-2, -1)), "interpolation_range"),
        (lambda: data.random_pairs("mul", low=1e30, high=1e31), "low, high"),
        (lambda: data.article_extrapolation_set("mul", scale=1e40), "scale"),
        (lambda: data.random_pairs("add", seed=-1), "seed"),
    ],
)
def test_non_finite_targets_and_bad_seeds_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
