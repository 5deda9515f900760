"""The neural accumulator (NAC) of Trask et al. (2018), section 2. Taught in notebook 02."""

from __future__ import annotations

import keras
from keras import ops

from nalu_lib.units.base import ArithmeticUnit, Tensor, batched_matmul, fresh_initializer

__all__ = ["NAC", "nac_weight"]


def nac_weight(W_hat: Tensor, M_hat: Tensor) -> Tensor:
    """The NAC's effective weight ``W = tanh(W_hat) * sigmoid(M_hat)`` (paper, eq. 1).

    Every entry lies in (-1, 1) and is pulled toward -1, 0 or 1: ``tanh`` picks the sign and
    magnitude, ``sigmoid`` switches the entry on or off. Computed from the raw weights on every
    call, never cached (caching it turns the NAC into a plain linear layer). Notebook 02 plots
    this surface.
    """
    return ops.tanh(W_hat) * ops.sigmoid(M_hat)


@keras.saving.register_keras_serializable(package="nalu_lib")
class NAC(ArithmeticUnit):
    """Neural accumulator: a linear layer whose weights are biased toward -1, 0 and 1.

    Implements section 2 of Trask et al. (2018), "Neural Arithmetic Logic Units"::

        W = tanh(W_hat) * sigmoid(M_hat)
        y = x @ W

    With ``W`` exactly 1 or -1 the layer adds and subtracts its inputs exactly, for numbers of
    any size: that is why it extrapolates where an MLP does not. Taught in notebook 02.

    Args:
        units: Positive integer, the number of outputs.
        w_hat_initializer: Initializer for ``W_hat``. Default ``"glorot_uniform"``: it scales
            with the number of inputs, so a NAC over 100 inputs (notebook 04) starts with
            outputs of the same size as one over 2. Madsen & Johansen's code
            (``stable_nalu/layer/nac.py``) scales with the inputs too, but draws ``W_hat`` and
            ``M_hat`` from a uniform range chosen so that ``W`` itself has Glorot's variance
            (``nalu_lib.tasks.static_task.cells.nac_init_limit``). The article uses
            ``RandomUniform(-2, 2)``; notebook 02 runs both.
        m_hat_initializer: Initializer for ``M_hat``. Default ``"glorot_uniform"``, for the
            same reasons.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    Weights, in this order: ``W_hat`` and ``M_hat``, each of shape ``(input_dim, units)``.
    The effective weight is :attr:`W`.
    """

    weight_specs = (("W_hat", "w_hat_initializer"), ("M_hat", "m_hat_initializer"))

    def __init__(
        self,
        units: int,
        w_hat_initializer="glorot_uniform",
        m_hat_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.w_hat_initializer = fresh_initializer(w_hat_initializer)
        self.m_hat_initializer = fresh_initializer(m_hat_initializer)

    def compute(self, x, W_hat, M_hat):
        """``x @ tanh(W_hat) * sigmoid(M_hat)`` for the given weights (any leading batch axes)."""
        return batched_matmul(x, nac_weight(W_hat, M_hat))

    def _effective_weight(self, W_hat, M_hat):
        """``tanh(W_hat) * sigmoid(M_hat)``."""
        return nac_weight(W_hat, M_hat)
