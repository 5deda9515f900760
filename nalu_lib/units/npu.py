"""The neural power units (NPU and RealNPU) of Heim, Pevny & Smidl (2020), section 3.

Both raise each input to a learned power and multiply the results, ``prod_i x_i ** W_ij``, for
negative inputs too: they take the real part of the complex ``exp(W log x)``. Written after the
authors' Julia code, ``src/npu.jl`` of github.com/nmheim/NeuralArithmetic.jl; where it differs
from the paper: ``docs/design.md``, "The NPU and RealNPU".
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from nalu_lib.checks import check_number
from nalu_lib.units.base import ArithmeticUnit, Tensor, batched_matmul, fresh_initializer

__all__ = ["NPU", "RealNPU", "relevance_gate"]


def relevance_gate(g: Tensor) -> Tensor:
    """``clip(g, 0, 1)`` in the forward pass, with the gradient of ``g`` itself (1 everywhere).

    The authors' ``gateclip`` and its ``rrule`` in ``src/npu.jl``: the gate is clipped where it
    is used, not stored clipped, and the gradient passes through the clip unchanged, so a gate
    pushed past 0 or 1 can come back. Written so that the forward value is ``clip(g, 0, 1)``
    exactly (``g - stop_gradient(g)`` is exactly 0).
    """
    return ops.stop_gradient(ops.clip(g, 0.0, 1.0)) + (g - ops.stop_gradient(g))


def _gated_log_polar(x: Tensor, g: Tensor, epsilon: float | None) -> tuple[Tensor, Tensor]:
    """``(log r, k)`` of the gated inputs: ``r = g (|x| + eps) + 1 - g`` and ``k = pi g [x < 0]``.

    ``g`` is ``(input_dim,)`` or a stack ``(seeds, input_dim)``; the results broadcast ``x``
    against it, ``(..., input_dim)`` or ``(seeds, n, input_dim)``.
    """
    g = relevance_gate(g)
    if len(g.shape) == 2:  # one gate per seed: (seeds, 1, input_dim) against (n, input_dim)
        g = ops.expand_dims(g, -2)
    g = ops.cast(g, x.dtype)
    if epsilon is None:
        epsilon = float(np.finfo(keras.backend.standardize_dtype(x.dtype)).eps)
    r = g * (ops.abs(x) + epsilon) + (1.0 - g)
    k = math.pi * g * ops.cast(x < 0, x.dtype)
    return ops.log(r), k


def _finite_exp(exponent: Tensor) -> Tensor:
    """``exp(exponent)``, the exponent clipped where the result would pass the dtype's largest number."""
    largest = float(np.finfo(keras.backend.standardize_dtype(exponent.dtype)).max)
    return ops.exp(ops.minimum(exponent, math.floor(math.log(largest))))


class _PowerUnit(ArithmeticUnit):
    """What the NPU and RealNPU share: the relevance gate ``g``, ``epsilon``, the L1 penalty."""

    float32_only = True

    def __init__(
        self,
        units: int,
        epsilon: float | None = None,
        l1: float = 0.0,
        w_re_initializer="glorot_uniform",
        g_initializer=None,
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.epsilon = None if epsilon is None else check_number("epsilon", epsilon, positive=True)
        self.l1 = check_number("l1", l1, minimum=0.0)
        self.w_re_initializer = fresh_initializer(w_re_initializer)
        self.g_initializer = fresh_initializer(
            keras.initializers.Constant(0.5) if g_initializer is None else g_initializer
        )

    def add_weight(self, shape=None, name=None, **kwargs):
        """Keras's ``add_weight``; the relevance gate ``g`` gets one entry per input, not
        ``(input_dim, units)`` as every other weight of the unit."""
        if name == "g":
            shape = tuple(shape)[:1]
        return super().add_weight(shape=shape, name=name, **kwargs)

    def call(self, inputs, training=None):
        """The layer's output; in training with ``l1 > 0``, also the L1 penalty as a loss (``add_loss``)."""
        weights = self._own_weights()
        if training and self.l1 > 0:
            self.add_loss(self.penalty(*weights, step=None))
        return self.compute(inputs, *weights)

    def penalty(self, *weights, step):
        """``l1 * (sum |W_re| + sum |W_im| + sum |g|)``, in float32, or ``None`` when ``l1`` is 0.

        The paper's ``beta ||theta||_1`` (section 4.1, and 4.3 with ``beta`` raised in steps),
        restricted to this layer's weights, at a constant strength: ``step`` is not used. Stacked
        weights give one value per seed.
        """
        if self.l1 == 0:
            return None
        total = 0.0
        for (name, _), w in zip(self.weight_specs, weights, strict=True):
            rank = 1 if name == "g" else 2  # the axes of one seed's weight
            total = total + ops.sum(ops.abs(ops.cast(w, "float32")), axis=tuple(range(-rank, 0)))
        return self.l1 * total

    def _effective_weight(self, W_re, *rest):
        """``W_re``: the powers the inputs are raised to (with the gate at 1 and ``W_im`` at 0)."""
        return W_re

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        config["l1"] = self.l1
        return config


@keras.saving.register_keras_serializable(package="nalu_lib")
class NPU(_PowerUnit):
    """Neural power unit: products of powers of its inputs, ``prod_i x_i ** W_ij``, of any sign.

    Implements the NPU of Heim, Pevny & Smidl (2020), "Neural Power Units" (NeurIPS), section
    3.2, as the authors' ``mult(Re, Im, g, x)`` in ``src/npu.jl`` (NeuralArithmetic.jl)::

        g_hat = clip(g, 0, 1)                    # the relevance gate, one per input
        r = g_hat * (|x| + epsilon) + 1 - g_hat  # an input with g_hat = 0 becomes 1
        k = pi * g_hat * [x < 0]                 # the angle of a negative input
        z = exp(log(r) @ W_re - k @ W_im) * cos(log(r) @ W_im + k @ W_re)

    ``z`` is the real part of ``exp((log r + i k) @ (W_re + i W_im))``, the complex power: with
    ``g_hat = 1`` and ``W_im = 0`` it is ``prod_i x_i ** W_re_ij`` for negative ``x_i`` too (the
    sign comes from ``cos(pi * W_re_ij)``), so the NPU multiplies, divides, takes roots. The gate
    turns inputs that do not matter into 1, which keeps the gradient alive where one small input
    would otherwise zero the whole product (the paper's Figure 3). It is clipped where it is
    used and its gradient passes the clip unchanged (:func:`relevance_gate`).

    Initialisation, as the paper recommends (section 3.2) and the authors' code does: Glorot
    uniform ``W_re``, zeros ``W_im``, ``g = 0.5``. Nothing is clipped but the gate and, where
    ``exp`` would overflow, its exponent (the authors' code returns ``inf`` there). Under a
    16-bit dtype policy the unit computes in float32. Taught in notebook 10.

    Args:
        units: Positive integer, the number of outputs.
        epsilon: Positive number added to ``|x|``, or ``None`` (default) for the machine epsilon
            of the dtype the layer computes in (1.19e-7 in float32), as the authors' ``eps(T)``.
        l1: Strength of an L1 penalty on the layer's weights (:meth:`penalty`), added to the
            loss in training. Default 0, off: the paper's simple arithmetic task (section 4.2)
            trains without it; its fSIR and large arithmetic tasks (sections 4.1, 4.3) add one
            over the whole model, the latter raised tenfold every 10,000 steps, which is a
            training schedule and not the layer's.
        w_re_initializer: Initializer for ``W_re``. Default ``"glorot_uniform"``.
        w_im_initializer: Initializer for ``W_im``. Default ``"zeros"``.
        g_initializer: Initializer for ``g``. ``None`` (default) for ``Constant(0.5)``.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape ``(..., input_dim)``, output shape ``(..., units)``. Weights, in this order:
    ``W_re`` and ``W_im`` of shape ``(input_dim, units)``, and ``g`` of shape ``(input_dim,)``
    (the gate in use is ``clip(g, 0, 1)``). :attr:`W` is ``W_re``.
    """

    weight_specs = (("W_re", "w_re_initializer"), ("W_im", "w_im_initializer"), ("g", "g_initializer"))

    def __init__(self, units: int, *args, w_im_initializer="zeros", **kwargs):
        super().__init__(units, *args, **kwargs)
        self.w_im_initializer = fresh_initializer(w_im_initializer)

    def compute(self, x, W_re, W_im, g):
        """``exp(log r @ W_re - k @ W_im) * cos(log r @ W_im + k @ W_re)`` for the given weights."""
        log_r, k = _gated_log_polar(x, g, self.epsilon)
        magnitude = _finite_exp(batched_matmul(log_r, W_re) - batched_matmul(k, W_im))
        return magnitude * ops.cos(batched_matmul(log_r, W_im) + batched_matmul(k, W_re))


@keras.saving.register_keras_serializable(package="nalu_lib")
class RealNPU(_PowerUnit):
    """The NPU without imaginary weights: ``prod_i x_i ** W_ij`` with the sign from ``cos``.

    Implements the RealNPU of Heim, Pevny & Smidl (2020), section 3.2, as the authors'
    ``mult(Re, g, x)`` in ``src/npu.jl``: the :class:`NPU` with ``W_im = 0``::

        g_hat = clip(g, 0, 1),  r = g_hat * (|x| + epsilon) + 1 - g_hat,  k = pi * g_hat * [x < 0]
        z = exp(log(r) @ W) * cos(k @ W)

    Its weights read as the formula it learned (the paper's fSIR model, section 4.1); the paper
    finds it converges less often than the NPU on harder tasks. Arguments, initialisation,
    penalty and numerics as for the :class:`NPU`, without ``w_im_initializer``. Taught in
    notebook 10.

    Input shape ``(..., input_dim)``, output shape ``(..., units)``. Weights, in this order:
    ``W_re`` of shape ``(input_dim, units)`` and ``g`` of shape ``(input_dim,)``. :attr:`W` is
    ``W_re``.
    """

    weight_specs = (("W_re", "w_re_initializer"), ("g", "g_initializer"))

    def compute(self, x, W_re, g):
        """``exp(log r @ W_re) * cos(k @ W_re)`` for the given weights."""
        log_r, k = _gated_log_polar(x, g, self.epsilon)
        return _finite_exp(batched_matmul(log_r, W_re)) * ops.cos(batched_matmul(k, W_re))
