"""The article's toy data, the identity task of the paper's Figure 1, and random pairs
(notebooks 01 to 03).

Every function returns float32 numpy arrays, targets of shape ``(n, 1)``, and the same arrays
for the same arguments. Targets are computed in float64 and rounded once to float32.
"""

from __future__ import annotations

import numpy as np

from nalu_lib.checks import check_integer, check_number, check_range
from nalu_lib.tasks.operations import BINARY_OPERATIONS, apply_op, check_op, finite_targets

__all__ = ["article_extrapolation_set", "article_task", "identity_task", "random_pairs"]


def _pairs_and_target(op: str, x1, x2, where: str = "this range") -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack((x1, x2)).astype(np.float32)
    y = finite_targets(apply_op(op, x[:, 0], x[:, 1]), op, where)[:, None]
    return x, y


def article_task(op: str = "add") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The article's toy data: ``(x_train, y_train, x_test, y_test)``, built as it builds them.

    Train: ``x1 = arange(0, 10000, 5)``, ``x2 = arange(5, 10005, 5)`` (2000 pairs).
    Test: ``x1 = arange(1000, 2000, 8)``, ``x2 = arange(1000, 1500, 4)`` (125 pairs).
    The target is ``op(x1, x2)`` for ``op`` in ``"add"``, ``"sub"``, ``"mul"``, ``"div"``.

    Two things to know, both taught in notebook 02: the test inputs lie *inside* the training
    range (1000 to 2000), so this test set measures interpolation, not extrapolation (use
    :func:`article_extrapolation_set` for that); and ``x2 = x1 + 5`` throughout training, so the
    two inputs are nearly collinear and ``"sub"`` gives the constant target -5.
    """
    check_op(op, BINARY_OPERATIONS)
    x_train, y_train = _pairs_and_target(
        op, np.arange(0, 10000, 5, dtype=np.float32), np.arange(5, 10005, 5, dtype=np.float32)
    )
    x_test, y_test = _pairs_and_target(
        op, np.arange(1000, 2000, 8, dtype=np.float32), np.arange(1000, 1500, 4, dtype=np.float32)
    )
    return x_train, y_train, x_test, y_test


def article_extrapolation_set(op: str = "add", scale: float = 1000.0) -> tuple[np.ndarray, np.ndarray]:
    """A true extrapolation set for the article's task: its test inputs times ``scale``.

    With the default ``scale=1000`` the inputs run from 1e6 to 2e6, 100 to 200 times the
    largest training input (10000): a model that learned the operation, rather than the
    training range, still gets these right. Returns ``(x, y)``. Used in notebooks 02 and 03 and
    in ``benchmarks/article_speed.py``.
    """
    check_op(op, BINARY_OPERATIONS)
    scale = check_number("scale", scale, positive=True)
    _, _, x_test, _ = article_task(op)
    with np.errstate(over="ignore"):  # too large for float32: inf, caught below
        x = (x_test.astype(np.float64) * scale).astype(np.float32)
    return _pairs_and_target(op, x[:, 0], x[:, 1], f"the test inputs times scale={scale!r}")


def identity_task(
    n_train: int = 1000,
    n_test: int = 801,
    train_range: tuple[float, float] = (-5.0, 5.0),
    test_range: tuple[float, float] = (-20.0, 20.0),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Learn ``f(x) = x``: the paper's Figure 1 task (notebook 01).

    Training inputs are drawn uniformly from ``train_range`` with ``seed``; test inputs are
    ``n_test`` evenly spaced points over ``test_range``, so the error can be plotted against x.
    Returns ``(x_train, y_train, x_test, y_test)``, each of shape ``(n, 1)``.
    """
    n_train = check_integer("n_train", n_train, minimum=1)
    n_test = check_integer("n_test", n_test, minimum=2)
    low, high = check_range("train_range", *train_range)
    test_low, test_high = check_range("test_range", *test_range)
    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))
    x_train = rng.uniform(low, high, size=(n_train, 1)).astype(np.float32)
    x_test = np.linspace(test_low, test_high, n_test, dtype=np.float32)[:, None]
    return x_train, x_train.copy(), x_test, x_test.copy()


def random_pairs(
    op: str, n: int = 1000, low: float = 0.0, high: float = 100.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs drawn independently and uniformly from ``[low, high)``, and ``op`` of each.

    Unlike the article's data the two inputs are independent, so every operation is
    identifiable from the data. Returns ``(x, y)``, shapes ``(n, 2)`` and ``(n, 1)``. Used in
    notebooks 02 and 03 for subtraction and division, with a far range for extrapolation, in
    notebook 05, and by the playground (notebook 06).
    """
    check_op(op, BINARY_OPERATIONS)
    n = check_integer("n", n, minimum=1)
    low, high = check_range("(low, high)", low, high)
    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))
    x = rng.uniform(low, high, size=(n, 2))
    return _pairs_and_target(op, x[:, 0], x[:, 1], f"(low, high)=({low:g}, {high:g})")
