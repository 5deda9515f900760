"""Sequence and language data: the recurrent task's targets, seeds, and bad arguments."""

import numpy as np
import pytest

from nalu_lib import data


@pytest.mark.parametrize("op", ["add", "sub", "prod"])
def test_recurrent_task_targets_and_shapes(op):
    kwargs = {"value_range": (0.9, 1 / 0.9)} if op == "prod" else {}
    task = data.recurrent_arithmetic_task(op, n_train=20, n_test=5, test_lengths=(30, 50), seed=3, **kwargs)
    assert task.x_train.shape == (20, 10, 10) and task.y_train.shape == (20, 1)
    assert sorted(task.tests) == [30, 50] and task.tests[50][0].shape == (5, 50, 10)
    assert len(task.a_index) == 3 and len(task.b_index) == 3 and len(set(task.a_index) & set(task.b_index)) == 1
    x = task.x_train.astype(np.float64)
    a, b = x[:, :, task.a_index], x[:, :, task.b_index]
    expected = {"add": a.sum((1, 2)) + b.sum((1, 2)), "sub": a.sum((1, 2)) - b.sum((1, 2)),
                "prod": a.prod((1, 2)) * b.prod((1, 2))}[op]
    np.testing.assert_allclose(task.y_train[:, 0], expected, rtol=1e-6)
    assert all(v.dtype == np.float32 for v in (task.x_train, task.y_train, *task.tests[30]))


def test_recurrent_task_is_seeded_and_tests_differ_from_training():
    one, two = data.recurrent_arithmetic_task(seed=1), data.recurrent_arithmetic_task(seed=1)
    np.testing.assert_array_equal(one.x_train, two.x_train)
    np.testing.assert_array_equal(one.tests[100][0], two.tests[100][0])
    other = data.recurrent_arithmetic_task(seed=2)
    assert not np.array_equal(one.x_train, other.x_train)
    assert not np.array_equal(one.tests[100][0][:, :10], one.x_train[:100])


def test_product_inputs_are_log_uniform_within_the_range():
    task = data.recurrent_arithmetic_task("prod", value_range=(0.5, 2.0), n_train=2000, test_lengths=(1,))
    logs = np.log(task.x_train.astype(np.float64))
    assert logs.min() >= np.log(0.5) - 1e-6 and logs.max() <= np.log(2.0) + 1e-6
    assert abs(logs.mean()) < 0.01  # log-uniform on a log-symmetric range: centred on log 1 = 0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"op": "mul"}, "op"),
        ({"train_length": 0}, "train_length"),
        ({"test_lengths": (100, 0)}, "test_lengths"),
        ({"test_lengths": 100}, "test_lengths"),
        ({"n_train": 1.5}, "n_train"),
        ({"n_test": 0}, "n_test"),
        ({"input_size": 4}, "input_size"),
        ({"subset_size": 0}, "subset_size"),
        ({"overlap": 4}, "overlap"),
        ({"value_range": (1.0, 1.0)}, "value_range"),
        ({"op": "prod", "value_range": (0.0, 1.0)}, "value_range"),
        ({"op": "prod", "value_range": (1e-30, 1e30), "test_lengths": (1000,)}, "value_range"),
        ({"seed": -1}, "seed"),
    ],
)
def test_recurrent_task_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data.recurrent_arithmetic_task(**kwargs)
