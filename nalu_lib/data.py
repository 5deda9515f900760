"""Data sets for the series: the article's toy data, the identity task, random pairs and the
paper's static arithmetic task.

Every function returns float32 numpy arrays, targets of shape ``(n, 1)``, and the same arrays
for the same arguments. Targets are computed in float64 and rounded once to float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nalu_lib.checks import check_integer, check_number, check_range, check_subsets

__all__ = [
    "OPERATIONS",
    "StaticTask",
    "apply_op",
    "article_extrapolation_set",
    "article_task",
    "identity_task",
    "random_pairs",
    "static_arithmetic_task",
]

#: Two-argument operations and how they are computed.
_BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
}
#: One-argument operations of the paper's static task, applied to ``a``.
_UNARY = {
    "square": np.square,
    "sqrt": np.sqrt,
}
#: Every operation name the series knows, in the order of the paper's Table 1.
OPERATIONS = ("add", "sub", "mul", "div", "square", "sqrt")


def _check_op(op, allowed) -> str:
    if op not in allowed:
        raise ValueError(f"op must be one of {', '.join(map(repr, allowed))}; got op={op!r}")
    return op


def apply_op(op: str, a, b=None) -> np.ndarray:
    """``op(a, b)`` in float64 for the names in :data:`OPERATIONS` (``square``, ``sqrt``: of ``a``).

    Used by every generator here, and by notebooks 02-05 to print the true answers.
    """
    _check_op(op, OPERATIONS)
    a = np.asarray(a, dtype=np.float64)
    if op in _UNARY:
        with np.errstate(invalid="ignore"):  # the root of a negative number: NaN, caught by the callers
            return _UNARY[op](a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _BINARY[op](a, np.asarray(b, dtype=np.float64))


def _finite_targets(y: np.ndarray, op: str, where: str) -> np.ndarray:
    """``y`` as float32, or a ValueError naming ``where`` if ``op`` gives NaN or inf there."""
    with np.errstate(over="ignore"):
        y32 = np.asarray(y).astype(np.float32)
    if not np.all(np.isfinite(y32)):
        raise ValueError(
            f"{op} gives values that are not finite in float32 (a division by zero, the root of a "
            f"negative number, or an overflow) for inputs from {where}: choose another range"
        )
    return y32


def _pairs_and_target(op: str, x1, x2, where: str = "this range") -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack((x1, x2)).astype(np.float32)
    y = _finite_targets(apply_op(op, x[:, 0], x[:, 1]), op, where)[:, None]
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
    _check_op(op, tuple(_BINARY))
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
    _check_op(op, tuple(_BINARY))
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
    notebooks 02 and 03 for subtraction and division, with a far range for extrapolation.
    """
    _check_op(op, tuple(_BINARY))
    n = check_integer("n", n, minimum=1)
    low, high = check_range("(low, high)", low, high)
    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))
    x = rng.uniform(low, high, size=(n, 2))
    return _pairs_and_target(op, x[:, 0], x[:, 1], f"(low, high)=({low:g}, {high:g})")


@dataclass(frozen=True)
class StaticTask:
    """One instance of the paper's static arithmetic task (see :func:`static_arithmetic_task`)."""

    op: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_interpolation: np.ndarray
    y_interpolation: np.ndarray
    x_extrapolation: np.ndarray
    y_extrapolation: np.ndarray
    a_index: np.ndarray
    b_index: np.ndarray


def static_arithmetic_task(
    op: str,
    *,
    input_size: int = 100,
    subset_size: int = 25,
    overlap: int = 12,
    n_train: int = 1000,
    n_test: int = 1000,
    interpolation_range: tuple[float, float] = (1.0, 2.0),
    extrapolation_range: tuple[float, float] = (2.0, 6.0),
    seed: int = 0,
) -> StaticTask:
    """The paper's static arithmetic task (Trask et al. 2018, section 4.1).

    Each example is a vector ``x`` of ``input_size`` numbers drawn uniformly from a range;
    ``a`` is the sum of ``x`` over ``subset_size`` positions and ``b`` over another
    ``subset_size`` positions, ``overlap`` of which are shared with ``a``'s. The target is
    ``op(a, b)`` for ``add``, ``sub``, ``mul``, ``div``, or ``op(a)`` for ``square`` and
    ``sqrt``. The positions are fixed for the task and drawn with ``seed``, as are the examples.

    The paper leaves the sizes and ranges open; the defaults are those of Madsen & Johansen
    (2020): 100 inputs, subsets of a quarter of them overlapping by half, training and
    interpolation inputs from U[1, 2], extrapolation inputs from U[2, 6]. Notebook 04 says
    more. Training and interpolation sets come from the same range but different draws.
    """
    _check_op(op, OPERATIONS)
    input_size, subset_size, overlap = check_subsets(input_size, subset_size, overlap)
    n_train = check_integer("n_train", n_train, minimum=1)
    n_test = check_integer("n_test", n_test, minimum=1)
    interp = check_range("interpolation_range", *interpolation_range)
    extrap = check_range("extrapolation_range", *extrapolation_range)

    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))
    positions = rng.permutation(input_size)
    a_index = np.sort(positions[:subset_size])
    b_index = np.sort(positions[subset_size - overlap : 2 * subset_size - overlap])

    def sample(n, value_range, name):
        x = rng.uniform(*value_range, size=(n, input_size))
        a = x[:, a_index].sum(axis=1)
        b = x[:, b_index].sum(axis=1)
        y = _finite_targets(apply_op(op, a, b), op, f"{name}={value_range}")
        return x.astype(np.float32), y[:, None]

    x_train, y_train = sample(n_train, interp, "interpolation_range")
    x_interp, y_interp = sample(n_test, interp, "interpolation_range")
    x_extrap, y_extrap = sample(n_test, extrap, "extrapolation_range")
    return StaticTask(op, x_train, y_train, x_interp, y_interp, x_extrap, y_extrap, a_index, b_index)


from nalu_lib.sequences import *  # noqa: E402, F403  (the sequence and language data of notebooks 07-09)
