"""The neural addition unit (NAU) of Madsen & Johansen (2020), section 2. Taught in notebook 05."""

from __future__ import annotations

import math

import keras

from nalu_lib.checks import check_number
from nalu_lib.units.base import batched_matmul
from nalu_lib.units.sparse import SparseUnit

__all__ = ["NAU", "NAUUniform"]


@keras.saving.register_keras_serializable(package="nalu_lib")
class NAUUniform(keras.initializers.VarianceScaling):
    """The NAU's initializer: ``U[-r, r]`` with ``r = min(max_limit, sqrt(6 / (fan_in + fan_out)))``.

    That is Glorot's uniform initializer (``E[W] = 0``, ``Var[W] = 2 / (fan_in + fan_out)``)
    with its range capped at ``max_limit``, default 0.5, so that no weight starts nearer to
    +-1 than to 0: ``reset_parameters`` in the authors' ``stable_nalu/layer/
    re_regualized_linear_nac.py`` (``r = min(0.5, sqrt(3) * std)``), after Madsen & Johansen
    (2020), section 2.

    Args:
        max_limit: Positive number, the cap on ``r``. Default 0.5, the paper's.
        seed: As for any Keras random initializer.
    """

    def __init__(self, max_limit: float = 0.5, seed=None):
        max_limit = check_number("max_limit", max_limit, positive=True)
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed)
        self.max_limit = float(max_limit)

    def limit(self, shape) -> float:
        """``r`` for a weight of shape ``(fan_in, fan_out)``."""
        fan_in, fan_out = (shape[-2], shape[-1]) if len(shape) > 1 else (shape[0], shape[0])
        return min(self.max_limit, math.sqrt(6.0 / max(1, fan_in + fan_out)))

    def __call__(self, shape, dtype=None):
        r = self.limit(shape)
        return keras.random.uniform(shape, minval=-r, maxval=r, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"max_limit": self.max_limit, "seed": keras.saving.serialize_keras_object(self._init_seed)}


@keras.saving.register_keras_serializable(package="nalu_lib")
class NAU(SparseUnit):
    """Neural addition unit: a linear layer whose weights are clipped to [-1, 1] and pulled to -1, 0, 1.

    Implements the NAU of Madsen & Johansen (2020), "Neural Arithmetic Units" (ICLR), section 2::

        z = x @ W,    W clipped to [-1, 1] after every optimizer step
        R_sparse = mean(min(|W|, 1 - |W|))
        loss = data_loss + lambda_sparse(step) * R_sparse
        lambda_sparse(step) = sparsity * clip((step - sparsity_start) / (sparsity_end - sparsity_start), 0, 1)

    Unlike the NAC's ``tanh(W_hat) * sigmoid(M_hat)``, ``W`` is the weight itself, so its
    gradient does not vanish as it nears +-1: clipping does the bounding, and the regulariser
    the pull toward -1, 0 and 1. Taught in notebook 05.

    Initialisation: ``W ~ U[-r, r]`` with ``r = min(0.5, sqrt(6 / (input_dim + units)))``
    (:class:`NAUUniform`, as in the authors' code, github.com/AndreasMadsen/stable-nalu).

    The regulariser, its defaults and who keeps its step: :class:`~nalu_lib.units.sparse.SparseUnit`.

    Args:
        units: Positive integer, the number of outputs.
        sparsity, sparsity_start, sparsity_end: The regulariser's strength and warm-up (see
            :class:`~nalu_lib.units.sparse.SparseUnit`).
        kernel_initializer: Initializer for ``kernel``. ``None`` (default) for the paper's
            :class:`NAUUniform`.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape ``(..., input_dim)``, output shape ``(..., units)``. Weights: ``kernel``
    (trainable, ``(input_dim, units)``) and ``step`` (see ``SparseUnit``); :attr:`W` is
    ``kernel`` as a numpy array.
    """

    W_range = (-1.0, 1.0)

    def _paper_kernel_initializer(self):
        return NAUUniform()

    def compute(self, x, kernel):
        """``x @ kernel`` for the given weight (any leading batch axes)."""
        return batched_matmul(x, kernel)
