"""The models of Madsen & Johansen's static table, one :class:`Cell` per model and operation,
built as their code builds them (``stable_nalu/layer/``, ``experiments/simple_function_static.py``).

No notebook builds them; the full-protocol results that notebooks 04 and 05 read were trained
from them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import keras
from keras import ops
from scipy.optimize import bisect

from nalu_lib.checks import check_integer
from nalu_lib.tasks.static_task.task import INPUT_SIZE
from nalu_lib.units import NAC, NALU, NAU, NMU

__all__ = ["CELLS", "Cell", "nac_init_limit"]


def nac_init_limit(fan_in: int, fan_out: int) -> float:
    """Their NAC initialisation: ``W_hat, M_hat ~ U[-r, r]`` with ``r`` such that
    ``W = tanh(W_hat) * sigmoid(M_hat)`` has variance ``2 / max(fan_in + fan_out, 5)`` (Glorot's
    variance for ``W`` itself; ``stable_nalu/layer/nac.py``). The NAC and NALU cells use it."""
    fan = max(check_integer("fan_in", fan_in, minimum=1) + check_integer("fan_out", fan_out, minimum=1), 5)

    def variance(r):
        return (1 - math.tanh(r) / r) * (r - math.tanh(r / 2)) / (2 * r)

    return float(bisect(lambda r: fan * variance(r) - 2, 1e-6, 10.0, xtol=1e-15))


def _nac(units: int, fan_in: int) -> NAC:
    r = nac_init_limit(fan_in, units)
    init = keras.initializers.RandomUniform(-r, r)
    return NAC(units, w_hat_initializer=init, m_hat_initializer=init)


def _nalu(units: int, fan_in: int) -> NALU:
    r = nac_init_limit(fan_in, units)
    init = keras.initializers.RandomUniform(-r, r)
    return NALU(
        units,
        w_hat_initializer=init,
        m_hat_initializer=init,
        g_initializer="glorot_uniform",
        log_space_dtype=None,
        clip_exponent=False,
    )


#: Their network's epsilon, added to ``|z|`` before the NAC-times' log (``eps=1e-7``).
NAC_MUL_EPSILON = 1e-7


def _log_abs(z):
    return ops.log(ops.abs(z) + NAC_MUL_EPSILON)


@dataclass(frozen=True)
class Cell:
    """One cell of the table: a model, an operation, and how to build the model.

    Attributes:
        model, op: The model's name in the published table (``"NAC+"``; ``"NACmul"`` for
            their NAC•, a NAC whose second layer works in log space) and the operation.
        build: Returns a new, unbuilt model (for :func:`nalu_lib.train_many`).
    """

    model: str
    op: str
    build: Callable[[], keras.Sequential]
    #: The step from which no regulariser changes any more (the end of the ramp), or 0.
    settled_after: int = 0
    #: Matrix products of the first layer's width over the 100 inputs in one forward pass: 1,
    #: and 3 for the NALU (its additive path, its log path and its gate). Each has one more in
    #: the backward pass; ``benchmarks/static_task_table.py --speed`` times them as a floor.
    products: int = 1

    @property
    def name(self) -> str:
        """``"model:op"``, the cell's key in :data:`CELLS` and in the results (``"NMU:mul"``)."""
        return f"{self.model}:{self.op}"


def _cells() -> dict[str, Cell]:
    def nmu():
        kw = {"sparsity": 10.0, "sparsity_start": 1_000_000, "sparsity_end": 2_000_000}
        return keras.Sequential([NAU(2, **kw), NMU(1, **kw)], name="nau_nmu")

    def nau():
        kw = {"sparsity": 0.01, "sparsity_start": 5_000, "sparsity_end": 50_000}
        return keras.Sequential([NAU(2, **kw), NAU(1, **kw)], name="nau_nau")

    def nac():
        return keras.Sequential([_nac(2, INPUT_SIZE), _nac(1, 2)], name="nac_nac")

    def nalu():
        return keras.Sequential([_nalu(2, INPUT_SIZE), _nalu(1, 2)], name="nalu_nalu")

    def nac_mul():
        # their "NAC, nac_mul normal": a NAC, then exp(NAC(log(|z| + eps)))
        # (stable_nalu/network/simple_function_static.py)
        return keras.Sequential(
            [
                _nac(2, INPUT_SIZE),
                keras.layers.Activation(_log_abs),
                _nac(1, 2),
                keras.layers.Activation(ops.exp),
            ],
            name="nac_nacmul",
        )

    def linear():
        return keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)], name="linear")

    cells = [
        Cell("NACmul", "mul", nac_mul),
        Cell("NALU", "mul", nalu, products=3),
        Cell("NMU", "mul", nmu, 2_000_000),
        Cell("NAC+", "add", nac),
        Cell("Linear", "add", linear),
        Cell("NALU", "add", nalu, products=3),
        Cell("NAU", "add", nau, 50_000),
        Cell("NAC+", "sub", nac),
        Cell("Linear", "sub", linear),
        Cell("NALU", "sub", nalu, products=3),
        Cell("NAU", "sub", nau, 50_000),
    ]
    return {cell.name: cell for cell in cells}


#: Every cell of the table, by name (``"NMU:mul"``), in the published table's order.
CELLS = _cells()
