"""Notebook 01's exercise checks accept every right form of an answer and reject wrong ones."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("01_why_networks_fail_to_extrapolate.ipynb") as k:
        yield k


# --------------------------------------------------------------------------- exercise 1: the best activation at x = 20


@pytest.mark.parametrize(
    "answer",
    [
        "best_at_20 = min(errors, key=lambda a: errors[a][-1])",
        "best_at_20 = ACTIVATIONS[int(np.argmin([errors[a][-1] for a in ACTIVATIONS]))]",
        "best_at_20 = 'leaky_relu'",  # read off the table
    ],
)
def test_01_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("01-ex1", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("best_at_20 = max(errors, key=lambda a: errors[a][-1])", "not the smallest"),  # the worst
        ("best_at_20 = 'relu'", "not the smallest"),
        ("best_at_20 = 'Leaky ReLU'", "should be the name of an activation"),  # not a key
        ("best_at_20 = errors['leaky_relu']", "should be the name of an activation"),  # the errors, not the name
        ("best_at_20 = min(err[-1] for err in errors.values())", "should be the name of an activation"),  # the value
    ],
)
def test_01_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("01-ex1", answer)
    assert not ok and message in output, output


# --------------------------------------------------------------------------- exercise 2: a wider training range

WIDE = (
    "x_wide, y_wide, x_wide_test, y_wide_test = tasks.identity_task(train_range=(-10, 10), seed=0)\n"
    "wide = train_many(lambda: mlp(activation='tanh'), x_wide, y_wide, seeds=5, steps=1000, learning_rate=0.01)\n"
)


@pytest.mark.parametrize(
    "answer",
    [
        WIDE + "tanh_wide_error_at_20 = evaluation.mean_absolute_error_by_input(wide.predict(x_wide_test), "
        "y_wide_test)[-1]",
        # only the input x = 20, by hand; a one-element array
        WIDE + "tanh_wide_error_at_20 = np.abs(wide.predict(np.array([[20.0]])) - 20).mean(axis=0).ravel()",
        # the seeds as a list
        "x_wide, y_wide, x_wide_test, y_wide_test = tasks.identity_task(train_range=(-10, 10), seed=0)\n"
        "wide = train_many(lambda: mlp(activation='tanh'), x_wide, y_wide, seeds=[0, 1, 2, 3, 4], steps=1000,"
        " learning_rate=0.01)\n"
        "tanh_wide_error_at_20 = float(evaluation.mean_absolute_error_by_input(wide.predict(x_wide_test), "
        "y_wide_test)[-1])",
    ],
)
def test_01_ex2_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("01-ex2", answer)
    assert ok, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        # the whole error curve instead of its value at x = 20
        (
            WIDE + "tanh_wide_error_at_20 = evaluation.mean_absolute_error_by_input(wide.predict(x_wide_test), "
            "y_wide_test)",
            "should be one number",
        ),
        # the old range's error, from the notebook
        ("tanh_wide_error_at_20 = errors['tanh'][-1]", "that is not the error at x = 20"),
        # a relu MLP instead of tanh: smaller, but not the asked-for network
        (
            WIDE.replace("'tanh'", "'relu'")
            + "tanh_wide_error_at_20 = evaluation.mean_absolute_error_by_input(wide.predict(x_wide_test), "
            "y_wide_test)[-1]",
            "that is not the error at x = 20",
        ),
        # the error at the edge of the wider range, x = 10 (test input 600 of 801), not at x = 20
        (
            WIDE + "tanh_wide_error_at_20 = evaluation.mean_absolute_error_by_input(wide.predict(x_wide_test), "
            "y_wide_test)[600]",
            "that is not the error at x = 20",
        ),
    ],
)
def test_01_ex2_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("01-ex2", answer)
    assert not ok and message in output, output
