"""The neural multiplication unit (NMU) of Madsen & Johansen (2020), section 2. Taught in notebook 05."""

from __future__ import annotations

import keras
from keras import ops

from nalu_lib.units.base import SMALL_CONTRACTION, sum_of_products
from nalu_lib.units.sparse import SparseUnit

__all__ = ["NMU"]


@keras.saving.register_keras_serializable(package="nalu_lib")
class NMU(SparseUnit):
    """Neural multiplication unit: each output multiplies a subset of the inputs.

    Implements the NMU of Madsen & Johansen (2020), "Neural Arithmetic Units" (ICLR), section 2::

        z_j = prod_i (W_ij * x_i + 1 - W_ij),    W clipped to [0, 1] after every optimizer step
        R_sparse = mean(min(|W|, 1 - |W|))
        loss = data_loss + lambda_sparse(step) * R_sparse

    with ``lambda_sparse(step)`` as for the :class:`NAU`. ``W_ij = 1`` puts ``x_i`` in the
    product, ``W_ij = 0`` replaces it by 1. There is no log and no division, so zeros and
    negative inputs are no problem, unlike the NALU's ``exp(log|x| @ W)``. Taught in notebook 05.

    Computed as ``W * x + (1 - W)``: with ``W`` exactly 1 this is ``x`` exactly, so a trained
    NMU multiplies with float32's rounding alone (``W * x + 1 - W`` would round ``x + 1``).
    Under a 16-bit dtype policy the NMU computes in float32: a product overflows float16 past
    65504. Initialisation: ``W ~ U[0.25, 0.75]``, every input half in the product, as in the
    authors' code. The regulariser: as for the :class:`~nalu_lib.units.nau.NAU`.

    Args:
        units: Positive integer, the number of outputs.
        sparsity, sparsity_start, sparsity_end: The regulariser's strength and warm-up (see
            :class:`~nalu_lib.units.sparse.SparseUnit`).
        kernel_initializer: Initializer for ``kernel``. ``None`` (default) for the paper's
            ``RandomUniform(0.25, 0.75)``.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape ``(..., input_dim)``, output shape ``(..., units)``; weights as for the NAU.
    """

    W_range = (0.0, 1.0)
    float32_only = True

    def _paper_kernel_initializer(self):
        return keras.initializers.RandomUniform(0.25, 0.75)

    def compute(self, x, kernel):
        """``prod_i (kernel_ij * x_i + 1 - kernel_ij)`` for the given weight (any leading batch axes)."""
        if len(kernel.shape) == 3 and kernel.shape[1] is not None and kernel.shape[1] <= SMALL_CONTRACTION:
            # a stack of weights over a few inputs: the factors multiplied one by one
            return sum_of_products(x, kernel, lambda xi, wi: wi * xi + (1.0 - wi), lambda a, b: a * b)
        x = ops.expand_dims(x, -1)  # (..., n, input_dim, 1)
        kernel = ops.expand_dims(kernel, -3)  # (..., 1, input_dim, units)
        return ops.prod(kernel * x + (1.0 - kernel), axis=-2)
