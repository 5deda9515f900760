"""The arithmetic operations every task computes, and the one check of an operation's name.

Each operation is a plain function of its arguments, so the same table serves numpy arrays
(the data generators, in float64) and tensors (the static task's stream, inside the graph).
"""

from __future__ import annotations

import operator

import numpy as np

__all__ = ["BINARY_OPERATIONS", "OPERATIONS", "apply_op", "check_op", "combine", "finite_targets"]

#: Two-argument operations and how they are computed.
_BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}
#: One-argument operations of the paper's static task, applied to ``a``.
_UNARY = {"square": np.square, "sqrt": np.sqrt}
#: The two-argument operations, in the order of the paper's Table 1.
BINARY_OPERATIONS = tuple(_BINARY)
#: Every operation name the series knows, in the order of the paper's Table 1.
OPERATIONS = (*BINARY_OPERATIONS, *_UNARY)


def check_op(op, allowed=OPERATIONS) -> str:
    """``op`` if it is one of ``allowed``, else a ValueError that lists them: every task's check
    of its ``op`` (no notebook calls it)."""
    if op not in allowed:
        raise ValueError(f"op must be one of {', '.join(map(repr, allowed))}; got op={op!r}")
    return op


def combine(op: str, a, b):
    """``a op b`` for a two-argument operation, on numpy arrays or tensors alike (the static
    task's protocol and stream; no notebook calls it)."""
    return _BINARY[check_op(op, BINARY_OPERATIONS)](a, b)


def apply_op(op: str, a, b=None) -> np.ndarray:
    """``op(a, b)`` in float64 for the names in :data:`OPERATIONS` (``square``, ``sqrt``: of ``a``).

    Used by every generator, and by notebooks 03 and 05 to compute the true answers.
    """
    check_op(op)
    a = np.asarray(a, dtype=np.float64)
    if op in _UNARY:
        with np.errstate(invalid="ignore"):  # the root of a negative number: NaN, caught by the callers
            return _UNARY[op](a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return combine(op, a, np.asarray(b, dtype=np.float64))


def finite_targets(y: np.ndarray, op: str, where: str) -> np.ndarray:
    """``y`` as float32, or a ValueError naming ``where`` if ``op`` gives NaN or inf there (the
    generators' check of their targets; no notebook calls it)."""
    with np.errstate(over="ignore"):
        y32 = np.asarray(y).astype(np.float32)
    if not np.all(np.isfinite(y32)):
        raise ValueError(
            f"{op} gives values that are not finite in float32 (a division by zero, the root of a "
            f"negative number, or an overflow) for inputs from {where}: choose another range"
        )
    return y32
