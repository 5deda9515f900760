"""The neural arithmetic logic unit (NALU) of Trask et al. (2018), section 2. Taught in notebook 03."""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from nalu_lib.checks import check_number
from nalu_lib.units.base import ArithmeticUnit, batched_matmul, fresh_initializer
from nalu_lib.units.nac import nac_weight

__all__ = ["NALU"]


@keras.saving.register_keras_serializable(package="nalu_lib")
class NALU(ArithmeticUnit):
    """Neural arithmetic logic unit: a gate between a NAC and a NAC in log space.

    Implements section 2 of Trask et al. (2018) in the form the paper and the article give,
    with one ``W`` shared by both paths::

        W = tanh(W_hat) * sigmoid(M_hat)
        a = x @ W                                # adds and subtracts
        m = exp(log(|x| + epsilon) @ W)          # multiplies and divides
        g = sigmoid(x @ G)                       # the gate, one value per output
        y = g * a + (1 - g) * m

    Taught in notebook 03; where it breaks (signs, zeros, seeds) in notebook 05.

    Two numerical choices keep the formula where it is finite (``docs/design.md``): the log
    path is computed in ``log_space_dtype``, and (unless ``clip_exponent=False``) the exponent
    of ``m`` is clipped so that ``m`` stays finite (``exp(88)`` in float32), so that a zero
    input with a negative weight gives a large number, not ``inf`` and then NaN. Under a
    16-bit dtype policy the NALU computes in float32: a product in float16 overflows past 65504.

    Args:
        units: Positive integer, the number of outputs.
        epsilon: Positive float added to ``|x|`` before the log. Default 1e-7, as in the
            article.
        w_hat_initializer: Initializer for ``W_hat``. Default ``"glorot_uniform"`` (see
            :class:`NAC`); the article uses ``TruncatedNormal(stddev=0.02)``.
        m_hat_initializer: Initializer for ``M_hat``. Default ``"glorot_uniform"``.
        g_initializer: Initializer for ``G``. Default ``"zeros"``: every gate starts undecided
            at 0.5, with the sigmoid's full slope, for inputs of any size (why: notebook 03 and
            ``docs/design.md``); the article uses ``TruncatedNormal(stddev=0.02)``.
        log_space_dtype: dtype of the log-space path, ``"float64"`` (default; float32 on JAX
            unless ``jax_enable_x64`` is on), ``"float32"`` or ``None`` (the layer's compute
            dtype, as in the paper and the article).
        clip_exponent: Clip the exponent of ``m`` where ``exp`` would overflow (default
            ``True``). ``False`` is the formula as the paper and Madsen & Johansen's code compute
            it: ``m`` becomes ``inf`` and the loss NaN where the exponent passes 88 in float32
            (their static-table cells run so).
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    Weights, in this order: ``W_hat``, ``M_hat`` and ``G``, each of shape
    ``(input_dim, units)``. The effective weight is :attr:`W`; the gate values for some inputs
    are :meth:`gate`.
    """

    weight_specs = (
        ("W_hat", "w_hat_initializer"),
        ("M_hat", "m_hat_initializer"),
        ("G", "g_initializer"),
    )
    float32_only = True

    def __init__(
        self,
        units: int,
        epsilon: float = 1e-7,
        w_hat_initializer="glorot_uniform",
        m_hat_initializer="glorot_uniform",
        g_initializer="zeros",
        log_space_dtype: str | None = "float64",
        clip_exponent: bool = True,
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        epsilon = check_number("epsilon", epsilon, positive=True)
        if log_space_dtype not in (None, "float32", "float64"):
            raise ValueError(
                f"log_space_dtype must be 'float64', 'float32' or None, got log_space_dtype={log_space_dtype!r}"
            )
        self.epsilon = float(epsilon)
        self.log_space_dtype = log_space_dtype
        if not isinstance(clip_exponent, bool):
            raise ValueError(f"clip_exponent must be True or False, got clip_exponent={clip_exponent!r}")
        self.clip_exponent = clip_exponent
        self.w_hat_initializer = fresh_initializer(w_hat_initializer)
        self.m_hat_initializer = fresh_initializer(m_hat_initializer)
        self.g_initializer = fresh_initializer(g_initializer)

    def _gate(self, x, G):
        return ops.sigmoid(batched_matmul(x, G))

    def _log_dtype(self, out_dtype):
        dtype = self.log_space_dtype or out_dtype
        if dtype == "float64" and keras.backend.backend() == "jax":
            import jax

            if not jax.config.jax_enable_x64:  # JAX would compute in float32 anyway, with a warning
                return "float32"
        return dtype

    def _log_path(self, x, W):
        out_dtype = x.dtype
        dtype = self._log_dtype(out_dtype)
        log_x = ops.log(ops.abs(ops.cast(x, dtype)) + self.epsilon)
        exponent = batched_matmul(log_x, ops.cast(W, dtype))
        if self.clip_exponent:
            max_exponent = math.log(float(np.finfo(keras.backend.standardize_dtype(out_dtype)).max))
            exponent = ops.minimum(exponent, math.floor(max_exponent))
        return ops.cast(ops.exp(exponent), out_dtype)

    def compute(self, x, W_hat, M_hat, G):
        """``g * a + (1 - g) * m`` for the given weights (any leading batch axes)."""
        W = nac_weight(W_hat, M_hat)
        g = self._gate(x, G)
        return g * batched_matmul(x, W) + (1.0 - g) * self._log_path(x, W)

    def _effective_weight(self, W_hat, M_hat, G=None):
        """``tanh(W_hat) * sigmoid(M_hat)``, shared by the additive and the log-space path."""
        return nac_weight(W_hat, M_hat)

    def gate(self, x) -> np.ndarray:
        """The gate values ``sigmoid(x @ G)`` for inputs ``x``, shape ``(..., units)``.

        1 means the output is the additive path ``a``, 0 the multiplicative path ``m``.
        """
        if not self.built:
            raise ValueError(f"NALU '{self.name}' has no weights yet: call it on data or build it first")
        x = ops.convert_to_tensor(x, dtype=self.compute_dtype)
        return np.asarray(ops.convert_to_numpy(self._gate(x, self.G)))

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        config["log_space_dtype"] = self.log_space_dtype
        config["clip_exponent"] = self.clip_exponent
        return config
