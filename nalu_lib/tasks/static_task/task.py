"""The static arithmetic task (Trask et al. 2018, section 4.1): ``op(a, b)`` of two overlapping
subset sums of one input vector, as fixed arrays for a notebook's short runs (notebooks 04, 05).

The sizes and ranges are Madsen & Johansen's (2020, section 4.1): 100 inputs, two subsets of 25
sharing 12, training and interpolation inputs from U[1, 2], extrapolation inputs from U[2, 6].
Where the subsets lie is the one thing the two set-ups do differently: Trask et al. leave it
open and the short runs draw the positions at random, while Madsen & Johansen take consecutive
inputs from a random offset (:func:`consecutive_subsets`, which their protocol uses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nalu_lib.checks import check_integer, check_range, check_subsets
from nalu_lib.tasks.operations import OPERATIONS, apply_op, check_op, finite_targets

__all__ = [
    "EXTRAPOLATION_RANGE",
    "INPUT_SIZE",
    "INTERPOLATION_RANGE",
    "OVERLAP",
    "SUBSET_SIZE",
    "StaticTask",
    "consecutive_subsets",
    "static_arithmetic_task",
]

INPUT_SIZE = 100
SUBSET_SIZE = 25
OVERLAP = 12
INTERPOLATION_RANGE = (1.0, 2.0)
EXTRAPOLATION_RANGE = (2.0, 6.0)


@dataclass(frozen=True)
class StaticTask:
    """One instance of the paper's static arithmetic task (see :func:`static_arithmetic_task`).

    Attributes:
        op: The operation.
        x_train, y_train, x_interpolation, y_interpolation, x_extrapolation, y_extrapolation:
            Inputs ``(n, input_size)`` and targets ``(n, 1)`` of each set, float32.
        a_index, b_index: The input positions summed into ``a`` and into ``b``.

    Notebooks 04 and 05 use it.
    """

    op: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_interpolation: np.ndarray
    y_interpolation: np.ndarray
    x_extrapolation: np.ndarray
    y_extrapolation: np.ndarray
    a_index: np.ndarray
    b_index: np.ndarray


def consecutive_subsets(
    seed: int, input_size: int = INPUT_SIZE, subset_size: int = SUBSET_SIZE, overlap: int = OVERLAP
) -> tuple[np.ndarray, np.ndarray]:
    """Madsen & Johansen's placement of the subsets, ``(a_index, b_index)``: ``a`` sums
    ``subset_size`` consecutive inputs from an offset ``RandomState(seed).randint(0, input_size -
    used + 1)``, ``b`` the ``subset_size`` that start ``subset_size - overlap`` later
    (``stable_nalu/dataset/_simple_function_abstact.py``). The protocol and
    ``placement="consecutive"`` use it; no notebook calls it."""
    input_size, subset_size, overlap = check_subsets(input_size, subset_size, overlap)
    used = 2 * subset_size - overlap
    start = int(np.random.RandomState(check_integer("seed", seed, minimum=0)).randint(0, input_size - used + 1))
    a_index = np.arange(start, start + subset_size)
    return a_index, a_index + subset_size - overlap


def static_arithmetic_task(
    op: str,
    *,
    input_size: int = INPUT_SIZE,
    subset_size: int = SUBSET_SIZE,
    overlap: int = OVERLAP,
    n_train: int = 1000,
    n_test: int = 1000,
    interpolation_range: tuple[float, float] = INTERPOLATION_RANGE,
    extrapolation_range: tuple[float, float] = EXTRAPOLATION_RANGE,
    seed: int = 0,
    placement: str = "random",
) -> StaticTask:
    """The paper's static arithmetic task (Trask et al. 2018, section 4.1).

    Each example is a vector ``x`` of ``input_size`` numbers drawn uniformly from a range;
    ``a`` is the sum of ``x`` over ``subset_size`` positions and ``b`` over another
    ``subset_size`` positions, ``overlap`` of which are shared with ``a``'s. The target is
    ``op(a, b)`` for ``add``, ``sub``, ``mul``, ``div``, or ``op(a)`` for ``square`` and
    ``sqrt``. The positions are fixed for the task and drawn with ``seed``, as are the examples:
    anywhere (``placement="random"``), or as Madsen & Johansen place them
    (``placement="consecutive"``, :func:`consecutive_subsets`).

    The paper leaves the sizes and ranges open; the defaults are those of Madsen & Johansen
    (2020): 100 inputs, subsets of a quarter of them overlapping by half, training and
    interpolation inputs from U[1, 2], extrapolation inputs from U[2, 6]. Training and
    interpolation sets come from the same range but different draws. Taught in notebook 04;
    notebook 05 uses it.
    """
    check_op(op, OPERATIONS)
    input_size, subset_size, overlap = check_subsets(input_size, subset_size, overlap)
    n_train = check_integer("n_train", n_train, minimum=1)
    n_test = check_integer("n_test", n_test, minimum=1)
    interp = check_range("interpolation_range", *interpolation_range)
    extrap = check_range("extrapolation_range", *extrapolation_range)

    seed = check_integer("seed", seed, minimum=0)
    if placement not in ("random", "consecutive"):
        raise ValueError(f"placement must be 'random' or 'consecutive', got placement={placement!r}")
    rng = np.random.default_rng(seed)
    if placement == "random":
        positions = rng.permutation(input_size)
        a_index = np.sort(positions[:subset_size])
        b_index = np.sort(positions[subset_size - overlap : 2 * subset_size - overlap])
    else:
        a_index, b_index = consecutive_subsets(seed, input_size, subset_size, overlap)

    def sample(n, value_range, name):
        x = rng.uniform(*value_range, size=(n, input_size))
        a = x[:, a_index].sum(axis=1)
        b = x[:, b_index].sum(axis=1)
        y = finite_targets(apply_op(op, a, b), op, f"{name}={value_range}")
        return x.astype(np.float32), y[:, None]

    x_train, y_train = sample(n_train, interp, "interpolation_range")
    x_interp, y_interp = sample(n_test, interp, "interpolation_range")
    x_extrap, y_extrap = sample(n_test, extrap, "extrapolation_range")
    return StaticTask(op, x_train, y_train, x_interp, y_interp, x_extrap, y_extrap, a_index, b_index)
