"""Keras 3 layers for neural arithmetic: the NAC and the NALU of Trask et al. (2018), and the
NAU and NMU of Madsen & Johansen (2020).

Each layer keeps its math in a ``forward(x, *weights)`` method that takes its weights
explicitly. ``call()`` passes the layer's own variables; :func:`nalu_lib.training.train_many`
passes a stack of weights, one slice per seed, and trains many models in one graph. The same
code therefore serves a single model and a batch of them, and ``forward`` works for weights of
shape ``(input_dim, units)`` as well as ``(seeds, input_dim, units)``.

Taught in notebooks 02 (NAC) and 03 (NALU); the NAU and NMU answer issue 5.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import keras
import numpy as np
from keras import ops

#: What the math functions take and return: a backend tensor, a Keras variable or an array.
Tensor = Any

__all__ = [
    "NAC",
    "NALU",
    "NAU",
    "NMU",
    "Clip",
    "NAUUniform",
    "nac_weight",
    "sparsity_regularizer",
    "sparsity_schedule",
]


def batched_matmul(x: Tensor, W: Tensor) -> Tensor:
    """``x @ W``, also for a stack of weights, one per seed, applied to shared inputs.

    With ``W`` of shape ``(input_dim, units)`` this is ``ops.matmul``. With a stack ``W`` of shape
    ``(seeds, input_dim, units)`` and inputs ``x`` of shape ``(n, input_dim)`` shared by every
    seed, it returns ``(seeds, n, units)`` computed as ONE matrix product with a
    ``(input_dim, seeds * units)`` matrix, rather than one small product per seed: this is what
    makes :func:`nalu_lib.train_many` fast (notebook 04).
    """
    if len(W.shape) == 3 and len(x.shape) == 2:
        seeds, input_dim, units = W.shape
        wide = ops.reshape(ops.transpose(W, (1, 0, 2)), (input_dim, seeds * units))
        out = ops.reshape(ops.matmul(x, wide), (-1, seeds, units))
        return ops.transpose(out, (1, 0, 2))
    return ops.matmul(x, W)


def nac_weight(W_hat: Tensor, M_hat: Tensor) -> Tensor:
    """The NAC's effective weight ``W = tanh(W_hat) * sigmoid(M_hat)`` (paper, eq. 1).

    Every entry lies in (-1, 1) and is pulled toward -1, 0 or 1: ``tanh`` picks the sign and
    magnitude, ``sigmoid`` switches the entry on or off. Computed from the raw weights on every
    call, never cached (caching it turns the NAC into a plain linear layer). Notebook 02 plots
    this surface.
    """
    return ops.tanh(W_hat) * ops.sigmoid(M_hat)


def _initializer(identifier) -> keras.initializers.Initializer:
    """``keras.initializers.get(identifier)``, as a new object for every weight.

    One initializer object passed for several weights (``init = TruncatedNormal(stddev=0.02)``,
    then ``w_hat_initializer=init, m_hat_initializer=init``) would otherwise draw the same values
    for all of them: an unseeded Keras initializer fixes its seed when it is created. A copy per
    weight draws independently, as the article's ``tf.truncated_normal`` calls do. A seed the
    caller set explicitly is kept.
    """
    if isinstance(identifier, keras.initializers.Initializer):
        return identifier.__class__.from_config(identifier.get_config())
    return keras.initializers.get(identifier)  # a name or a config: a new object already


def check_number(name: str, value, *, positive: bool = False) -> float:
    """``value`` as a float, or a ValueError naming ``name`` unless it is a finite real number
    (and, with ``positive``, above 0). The one argument check of every nalu_lib module."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        kind = "a positive finite number" if positive else "a finite number"
        raise ValueError(f"{name} must be {kind}, got {name}={value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {name}={value!r}")
    return float(value)


def _check_units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
        raise ValueError(f"units must be a positive integer, got units={units!r}")
    return int(units)


def _input_dim(input_shape) -> int:
    dim = input_shape[-1]
    if dim is None:
        raise ValueError(f"the last axis of the input (input_dim) must be known, got input shape {input_shape}")
    return int(dim)


class _ArithmeticLayer(keras.layers.Layer):
    """What the arithmetic layers share: units, weight creation, output shape, config."""

    #: (weight name, initializer attribute) in the order the weights are created.
    _weight_specs: tuple[tuple[str, str], ...] = ()

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = _check_units(units)

    def build(self, input_shape):
        input_dim = _input_dim(input_shape)
        for name, init_attr in self._weight_specs:
            setattr(
                self,
                name,
                self.add_weight(
                    name=name,
                    shape=(input_dim, self.units),
                    initializer=getattr(self, init_attr),
                    constraint=self._constraint(name),
                    trainable=True,
                ),
            )

    def _constraint(self, name: str):
        """The constraint the optimizer applies to weight ``name`` after each step (none here)."""
        return None

    def call(self, inputs):
        return self.forward(inputs, *(getattr(self, name) for name, _ in self._weight_specs))

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[:-1]), self.units)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        for _, init_attr in self._weight_specs:
            config[init_attr] = keras.initializers.serialize(getattr(self, init_attr))
        return config

    def _numpy(self, tensor) -> np.ndarray:
        return np.asarray(ops.convert_to_numpy(tensor))

    def _require_built(self):
        if not self.built:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' has no weights yet: call it on data or build it first"
            )


@keras.saving.register_keras_serializable(package="nalu_lib")
class NAC(_ArithmeticLayer):
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
            outputs of the same size as one over 2, and it is what Madsen & Johansen (2020) use
            for the NAC. The article uses ``RandomUniform(-2, 2)``; notebook 02 runs both.
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

    _weight_specs = (("W_hat", "w_hat_initializer"), ("M_hat", "m_hat_initializer"))

    def __init__(
        self,
        units: int,
        w_hat_initializer="glorot_uniform",
        m_hat_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.w_hat_initializer = _initializer(w_hat_initializer)
        self.m_hat_initializer = _initializer(m_hat_initializer)

    def forward(self, x, W_hat, M_hat):
        """``x @ tanh(W_hat) * sigmoid(M_hat)`` for the given weights (any leading batch axes)."""
        return batched_matmul(x, nac_weight(W_hat, M_hat))

    @property
    def W(self) -> np.ndarray:
        """The effective weight ``tanh(W_hat) * sigmoid(M_hat)`` as a numpy array."""
        self._require_built()
        return self._numpy(nac_weight(self.W_hat, self.M_hat))


@keras.saving.register_keras_serializable(package="nalu_lib")
class NALU(_ArithmeticLayer):
    """Neural arithmetic logic unit: a gate between a NAC and a NAC in log space.

    Implements section 2 of Trask et al. (2018) in the form the paper and the article give,
    with one ``W`` shared by both paths::

        W = tanh(W_hat) * sigmoid(M_hat)
        a = x @ W                                # adds and subtracts
        m = exp(log(|x| + epsilon) @ W)          # multiplies and divides
        g = sigmoid(x @ G)                       # the gate, one value per output
        y = g * a + (1 - g) * m

    Taught in notebook 03; where it breaks (signs, zeros, seeds) in notebook 05.

    Two numerical choices, neither of which changes the formula where it is finite:

    * The log-space path is computed in ``log_space_dtype`` (default ``"float64"``) and cast
      back. In float32, rounding ``log(x)`` and the sum of logs limits a product's relative
      accuracy to about 1e-6 for inputs near 1e5, however exact ``W`` is; float64 removes that
      floor for a negligible cost on a CPU. Pass ``None`` to compute in the layer's dtype, as
      the paper and the article do.
    * The exponent of ``m`` is clipped so that ``m`` stays finite in the layer's dtype (for
      float32, at ``exp(88)``, about 1.7e38). Zero inputs with negative weights (division by
      zero) would otherwise overflow to ``inf``, and ``0 * inf`` in the gate gives NaN.

    Args:
        units: Positive integer, the number of outputs.
        epsilon: Positive float added to ``|x|`` before the log. Default 1e-7, as in the
            article.
        w_hat_initializer: Initializer for ``W_hat``. Default ``"glorot_uniform"`` (see
            :class:`NAC`); the article uses ``TruncatedNormal(stddev=0.02)``.
        m_hat_initializer: Initializer for ``M_hat``. Default ``"glorot_uniform"``.
        g_initializer: Initializer for ``G``. Default ``"zeros"``: every gate starts undecided
            at 0.5. The article's ``TruncatedNormal(stddev=0.02)`` times inputs in the
            thousands saturates the gate before the first step, and a saturated sigmoid has no
            gradient, so the gate starts on whichever path the random sign picked: about half of
            the article's seeds start on the additive path, and only escape it slowly, after
            hundreds to thousands of steps, or (one seed in a hundred) never. Notebook 03 shows
            this.
        log_space_dtype: dtype of the log-space path, ``"float64"`` (default), ``"float32"``
            or ``None`` (the layer's compute dtype).
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    Weights, in this order: ``W_hat``, ``M_hat`` and ``G``, each of shape
    ``(input_dim, units)``. The effective weight is :attr:`W`; the gate values for some inputs
    are :meth:`gate`.
    """

    _weight_specs = (
        ("W_hat", "w_hat_initializer"),
        ("M_hat", "m_hat_initializer"),
        ("G", "g_initializer"),
    )

    def __init__(
        self,
        units: int,
        epsilon: float = 1e-7,
        w_hat_initializer="glorot_uniform",
        m_hat_initializer="glorot_uniform",
        g_initializer="zeros",
        log_space_dtype: str | None = "float64",
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
        self.w_hat_initializer = _initializer(w_hat_initializer)
        self.m_hat_initializer = _initializer(m_hat_initializer)
        self.g_initializer = _initializer(g_initializer)

    def _gate(self, x, G):
        return ops.sigmoid(batched_matmul(x, G))

    def _log_path(self, x, W):
        out_dtype = x.dtype
        dtype = self.log_space_dtype or out_dtype
        log_x = ops.log(ops.abs(ops.cast(x, dtype)) + self.epsilon)
        exponent = batched_matmul(log_x, ops.cast(W, dtype))
        max_exponent = math.log(float(np.finfo(keras.backend.standardize_dtype(out_dtype)).max))
        exponent = ops.minimum(exponent, math.floor(max_exponent))
        return ops.cast(ops.exp(exponent), out_dtype)

    def forward(self, x, W_hat, M_hat, G):
        """``g * a + (1 - g) * m`` for the given weights (any leading batch axes)."""
        W = nac_weight(W_hat, M_hat)
        g = self._gate(x, G)
        return g * batched_matmul(x, W) + (1.0 - g) * self._log_path(x, W)

    @property
    def W(self) -> np.ndarray:
        """The effective weight ``tanh(W_hat) * sigmoid(M_hat)`` as a numpy array."""
        self._require_built()
        return self._numpy(nac_weight(self.W_hat, self.M_hat))

    def gate(self, x) -> np.ndarray:
        """The gate values ``sigmoid(x @ G)`` for inputs ``x``, shape ``(..., units)``.

        1 means the output is the additive path ``a``, 0 the multiplicative path ``m``.
        """
        self._require_built()
        x = ops.convert_to_tensor(x, dtype=self.compute_dtype)
        return self._numpy(self._gate(x, self.G))

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        config["log_space_dtype"] = self.log_space_dtype
        return config


# --------------------------------------------------------------------------- NAU and NMU


@keras.saving.register_keras_serializable(package="nalu_lib")
class Clip(keras.constraints.Constraint):
    """Keeps every entry of a weight in ``[min_value, max_value]``: ``clip(W, min_value, max_value)``.

    A Keras constraint: the optimizer applies it after every step, in :func:`nalu_lib.train`,
    :func:`nalu_lib.train_many` (which copies it to the weights it stacks) and ``model.fit``.
    This is how the NAU and NMU keep ``W`` in range (Madsen & Johansen, 2020, section 2; their
    code, ``optimize()`` in ``stable_nalu/layer/re_regualized_linear_*.py``, clamps ``W`` after
    each optimizer step).

    Args:
        min_value: The smallest allowed value, a finite number.
        max_value: The largest allowed value, a finite number above ``min_value``.
    """

    def __init__(self, min_value: float, max_value: float):
        check_number("min_value", min_value)
        check_number("max_value", max_value)
        if not min_value < max_value:
            raise ValueError(f"min_value must be below max_value, got min_value={min_value!r}, max_value={max_value!r}")
        self.min_value = float(min_value)
        self.max_value = float(max_value)

    def __call__(self, w):
        return ops.clip(w, self.min_value, self.max_value)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value}


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


def sparsity_regularizer(W: Tensor) -> Tensor:
    """``R_sparse = mean(min(|W|, 1 - |W|))`` over the last two axes of ``W``.

    Madsen & Johansen (2020), section 2; the "linear" shape of the authors'
    ``stable_nalu/functional/regualizer.py``. It is 0 when every weight is -1, 0 or 1 and
    largest (0.5) at +-0.5, so it pulls each weight to the nearest of those. ``W`` of shape
    ``(input_dim, units)`` gives a scalar; ``(seeds, input_dim, units)`` one value per seed.
    ``1 - |W|`` is taken in absolute value, which changes nothing inside ``[-1, 1]``.
    """
    abs_W = ops.abs(W)
    return ops.mean(ops.minimum(abs_W, ops.abs(1.0 - abs_W)), axis=(-2, -1))


def sparsity_schedule(step: Tensor, sparsity: float, start: int, end: int) -> Tensor:
    """``lambda_sparse = sparsity * clip((step - start) / (end - start), 0, 1)`` at ``step``.

    The warm-up of Madsen & Johansen (2020), section 2: no regularisation until ``start``,
    then a linear ramp to full strength at ``end``. With ``start == end`` it switches on at
    once. ``step`` is a number or an integer tensor; returns a float32 scalar.
    """
    step = ops.cast(step, "float32")
    if end == start:
        ramp = ops.cast(step >= start, "float32")
    else:
        ramp = ops.clip((step - start) / float(end - start), 0.0, 1.0)
    return sparsity * ramp


def _check_schedule(sparsity, sparsity_start, sparsity_end) -> tuple[float, int, int]:
    sparsity = check_number("sparsity", sparsity)
    if sparsity < 0:
        raise ValueError(f"sparsity must be >= 0 (0 switches the regulariser off), got sparsity={sparsity!r}")
    for name, value in (("sparsity_start", sparsity_start), ("sparsity_end", sparsity_end)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{name} must be an integer step >= 0, got {name}={value!r}")
    if sparsity_start > sparsity_end:
        raise ValueError(
            f"sparsity_start must not come after sparsity_end, got sparsity_start={sparsity_start!r}, "
            f"sparsity_end={sparsity_end!r}"
        )
    return float(sparsity), int(sparsity_start), int(sparsity_end)


# Default regulariser settings of the NAU and NMU: full strength ``SPARSITY``, ramped up
# between optimizer steps ``SPARSITY_START`` and ``SPARSITY_END``. Chosen for nalu_lib.train's
# defaults (2000 full-batch Adam steps, learning rate 0.05) and runs of a few thousand steps,
# not the paper's millions; the NAU's docstring gives the measurements behind them.
SPARSITY = 0.01
SPARSITY_START = 1000
SPARSITY_END = 1500


class _SparseArithmeticLayer(_ArithmeticLayer):
    """What the NAU and NMU share: one clipped weight ``W`` and the sparsity regulariser."""

    _weight_specs = (("W", "w_initializer"),)
    #: The range ``W`` is clipped to.
    W_range: tuple[float, float] = (-1.0, 1.0)

    def __init__(
        self,
        units: int,
        sparsity: float = SPARSITY,
        sparsity_start: int = SPARSITY_START,
        sparsity_end: int = SPARSITY_END,
        w_initializer=None,
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.sparsity, self.sparsity_start, self.sparsity_end = _check_schedule(sparsity, sparsity_start, sparsity_end)
        self.w_initializer = self._paper_initializer() if w_initializer is None else _initializer(w_initializer)

    def _paper_initializer(self) -> keras.initializers.Initializer:
        raise NotImplementedError

    def _constraint(self, name: str):
        return Clip(*self.W_range)

    def sparsity_lambda(self, step):
        """The regulariser's weight ``lambda_sparse`` at ``step`` (see :func:`sparsity_schedule`)."""
        return sparsity_schedule(step, self.sparsity, self.sparsity_start, self.sparsity_end)

    def penalty(self, W, *, step):
        """``lambda_sparse(step) * R_sparse(W)``: what :func:`nalu_lib.train` adds to the loss.

        One value per seed for weights with a leading seed axis (:func:`nalu_lib.train_many`).
        """
        return ops.cast(self.sparsity_lambda(step), W.dtype) * sparsity_regularizer(W)

    def get_config(self):
        config = super().get_config()
        config["sparsity"] = self.sparsity
        config["sparsity_start"] = self.sparsity_start
        config["sparsity_end"] = self.sparsity_end
        return config


@keras.saving.register_keras_serializable(package="nalu_lib")
class NAU(_SparseArithmeticLayer):
    """Neural addition unit: a linear layer whose weights are clipped to [-1, 1] and pulled to -1, 0, 1.

    Implements the NAU of Madsen & Johansen (2020), "Neural Arithmetic Units" (ICLR), section 2::

        z = x @ W,    W clipped to [-1, 1] after every optimizer step
        R_sparse = mean(min(|W|, 1 - |W|))
        loss = data_loss + lambda_sparse(step) * R_sparse
        lambda_sparse(step) = sparsity * clip((step - sparsity_start) / (sparsity_end - sparsity_start), 0, 1)

    Unlike the NAC's ``tanh(W_hat) * sigmoid(M_hat)``, ``W`` is the weight itself, so its
    gradient does not vanish as it nears +-1: clipping does the bounding, and the regulariser
    the pull toward -1, 0 and 1.

    Initialisation: ``W ~ U[-r, r]`` with ``r = min(0.5, sqrt(6 / (input_dim + units)))``
    (:class:`NAUUniform`, as ``reset_parameters`` in ``stable_nalu/layer/
    re_regualized_linear_nac.py`` of github.com/AndreasMadsen/stable-nalu, the authors' code).

    The regulariser's defaults (``sparsity=0.01`` from step 1000 to 1500) are ours, for
    :func:`nalu_lib.train`'s 2000 full-batch Adam steps at learning rate 0.05 and runs of a
    few thousand steps. The paper trains for 5 million mini-batch steps at 1e-3 and ramps
    ``lambda_sparse`` up to 10 between steps 1 and 2 million (its code's ``--regualizer 10
    --regualizer-scaling-start 1000000 --regualizer-scaling-end 2000000``): our runs would
    end before it starts. Why these values:

    * The regulariser stays off while the data loss does the learning (it would pull
      half-learnt weights toward whichever of -1, 0, 1 is nearest, right or wrong) and is
      at full strength for the last quarter of a default run.
    * One unit learns without it: with ``train()``'s defaults an NMU learns ``x1 * x2`` on
      inputs in [-2, 2] and a NAU ``x1 - x2`` for 10 seeds out of 10, with any strength from
      0 to 10, since clipping holds ``W`` exactly at 1 (or -1).
    * Strength is relative to the data loss, which the regulariser does not see. In the
      two-layer ``NAU(2), NAU(1)`` static addition task (5000 steps, learning rate decayed
      from 0.05 to 1e-6), 0.01 gave 10 seeds out of 10 at float32 precision, while 0.1 gave
      5, 1 gave 2 to 4 and the paper's 10 gave none: when two layers can share a sum in many
      exact ways, a strong pull toward the nearest -1, 0 or 1 fights the data.
    * The paper's two-layer multiplication (``NAU(2), NMU(1)`` on the static task) needs the
      paper's scale: ``sparsity=10, sparsity_start=1_000_000, sparsity_end=1_400_000`` and
      1.5 million mini-batch steps of the paper's Adam (5 seeds out of 10 in our run; none
      without the regulariser, and none in any setting we tried with 300 thousand steps or
      fewer).

    The regulariser is applied by :func:`nalu_lib.train` and :func:`nalu_lib.train_many`
    (through :meth:`penalty`); ``model.fit`` applies the clipping but not the regulariser.

    Args:
        units: Positive integer, the number of outputs.
        sparsity: ``lambda_sparse`` at full strength, a number >= 0 (0 switches the
            regulariser off).
        sparsity_start: The optimizer step at which the regulariser starts to ramp up.
        sparsity_end: The step at which it reaches full strength (>= ``sparsity_start``).
        w_initializer: Initializer for ``W``. ``None`` (default) for the paper's
            :class:`NAUUniform`.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    One weight, ``W``, of shape ``(input_dim, units)``.
    """

    W_range = (-1.0, 1.0)

    def _paper_initializer(self):
        return NAUUniform()

    def forward(self, x, W):
        """``x @ W`` for the given weight (any leading batch axes)."""
        return batched_matmul(x, W)


@keras.saving.register_keras_serializable(package="nalu_lib")
class NMU(_SparseArithmeticLayer):
    """Neural multiplication unit: each output multiplies a subset of the inputs.

    Implements the NMU of Madsen & Johansen (2020), "Neural Arithmetic Units" (ICLR), section 2::

        z_j = prod_i (W_ij * x_i + 1 - W_ij),    W clipped to [0, 1] after every optimizer step
        R_sparse = mean(min(|W|, 1 - |W|))
        loss = data_loss + lambda_sparse(step) * R_sparse

    with ``lambda_sparse(step)`` as for the :class:`NAU`. ``W_ij = 1`` puts ``x_i`` in the
    product, ``W_ij = 0`` replaces it by 1. There is no log and no division, so zeros and
    negative inputs are no problem, unlike the NALU's ``exp(log|x| @ W)``.

    Computed as ``W * x + (1 - W)``: with ``W`` exactly 1 this is ``x`` exactly, so a trained
    NMU multiplies with float32's rounding alone (``W * x + 1 - W`` would round ``x + 1``).

    Initialisation: ``W ~ U[0.25, 0.75]``, i.e. ``E[W] = 1/2`` with the range capped at 1/4
    around it, so every input starts half in the product (``reset_parameters`` in the authors'
    ``stable_nalu/layer/re_regualized_linear_mnac.py``: ``r = min(0.25, sqrt(3) * 0.5)``).

    The product is computed in the layer's dtype: like any float32 product it overflows to
    ``inf`` past about 3.4e38, and its gradient past that too.

    Regulariser defaults: ours, for :func:`nalu_lib.train`'s defaults; see :class:`NAU`.

    Args:
        units: Positive integer, the number of outputs.
        sparsity: ``lambda_sparse`` at full strength, a number >= 0 (0 switches it off).
        sparsity_start: The optimizer step at which the regulariser starts to ramp up.
        sparsity_end: The step at which it reaches full strength (>= ``sparsity_start``).
        w_initializer: Initializer for ``W``. ``None`` (default) for the paper's
            ``RandomUniform(0.25, 0.75)``.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    One weight, ``W``, of shape ``(input_dim, units)``.
    """

    W_range = (0.0, 1.0)

    def _paper_initializer(self):
        return keras.initializers.RandomUniform(0.25, 0.75)

    def forward(self, x, W):
        """``prod_i (W_ij * x_i + 1 - W_ij)`` for the given weight (any leading batch axes)."""
        x = ops.expand_dims(x, -1)  # (..., n, input_dim, 1)
        W = ops.expand_dims(W, -3)  # (..., 1, input_dim, units)
        return ops.prod(W * x + (1.0 - W), axis=-2)
