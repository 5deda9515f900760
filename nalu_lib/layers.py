"""Keras 3 layers for neural arithmetic: the NAC and the NALU of Trask et al. (2018), and the
NAU and NMU of Madsen & Johansen (2020).

Each layer keeps its math in a ``forward(x, *weights)`` method that takes its weights
explicitly. ``call()`` passes the layer's own variables; :func:`nalu_lib.training.train_many`
passes a stack of weights, one slice per seed, and trains many models in one graph. The same
code therefore serves a single model and a batch of them, and ``forward`` works for weights of
shape ``(input_dim, units)`` as well as ``(seeds, input_dim, units)``.

Every layer's :attr:`W` is its effective weight as a read-only numpy array, the matrix the
inputs are multiplied by (``tanh(W_hat) * sigmoid(M_hat)`` for the NAC and NALU, the clipped
``kernel`` for the NAU and NMU). Before the layer is built, ``W`` and the trainable weights
raise ``AttributeError``, as Keras's ``Dense.kernel`` does.

Taught in notebooks 02 (NAC), 03 (NALU) and 05 (NAU, NMU).
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from nalu_lib.checks import check_integer, check_number

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


def known_input_dim(input_shape) -> int:
    """The last axis of ``input_shape``, or a ValueError if it is unknown (every layer builds on it)."""
    dim = input_shape[-1]
    if dim is None:
        raise ValueError(f"the last axis of the input (input_dim) must be known, got input shape {input_shape}")
    return int(dim)


class _ArithmeticLayer(keras.layers.Layer):
    """What the arithmetic layers share: units, weight creation, ``W``, output shape, config.

    Subclasses list their trainable weights in ``_weight_specs`` as ``(attribute of the
    variable, attribute of its initializer)`` in creation order, compute the layer from explicit
    weights in ``forward(x, *weights)``, and the effective weight in ``effective_weight``.
    :func:`nalu_lib.train_many` relies on all three.
    """

    #: (weight attribute, initializer attribute) in the order the weights are created.
    _weight_specs: tuple[tuple[str, str], ...] = ()

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = check_integer("units", units, minimum=1)

    def __getattr__(self, name: str):
        # Reached only when normal lookup fails: for the weights and ``W`` of an unbuilt layer,
        # an AttributeError that says what to do, so that hasattr() and getattr(..., default)
        # work as they do for Keras's own ``Dense.kernel``.
        if name == "W" or name in {weight for weight, _ in type(self)._weight_specs}:
            layer = f"{type(self).__name__} '{vars(self).get('name', '?')}'"
            raise AttributeError(f"{layer} has no weight {name!r} yet: call it on data or build it first")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def build(self, input_shape):
        input_dim = known_input_dim(input_shape)
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
        return self.forward(inputs, *self._own_weights())

    def _own_weights(self) -> list:
        return [getattr(self, name) for name, _ in self._weight_specs]

    def effective_weight(self, *weights) -> Tensor:
        """The matrix the inputs are multiplied by, from explicit weights (see :attr:`W`)."""
        raise NotImplementedError

    @property
    def W(self) -> np.ndarray:
        """The effective weight, shape ``(input_dim, units)``, as a read-only numpy array.

        The same meaning on all four layers: the matrix the inputs are multiplied by (through
        the log space too, for the NALU; as exponents, for the NMU). Read it with
        ``layer.W.ravel()`` or ``np.asarray(layer.W)``; train or assign the trainable weights
        instead (``W_hat``, ``M_hat``, ``G``; the NAU's and NMU's ``kernel``).
        """
        if not self.built:
            raise AttributeError(
                f"{type(self).__name__} '{self.name}' has no weight 'W' yet: call it on data or build it first"
            )
        W = np.array(ops.convert_to_numpy(self.effective_weight(*self._own_weights())))
        W.flags.writeable = False
        return W

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[:-1]), self.units)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        for _, init_attr in self._weight_specs:
            config[init_attr] = keras.initializers.serialize(getattr(self, init_attr))
        return config


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

    def effective_weight(self, W_hat, M_hat):
        """``tanh(W_hat) * sigmoid(M_hat)``."""
        return nac_weight(W_hat, M_hat)


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
            at 0.5, with the sigmoid's full slope, for inputs of any size. The article's
            ``TruncatedNormal(stddev=0.02)`` times inputs in the thousands saturates the gate
            before the first step. That random start does not last: Adam's first step moves
            every entry of ``G`` by about the learning rate, more than its starting size, and
            within a few steps the gate saturates again on whichever side the first gradients,
            from the smallest inputs, chose. A gate saturated on the additive path escapes only
            slowly, after hundreds to thousands of steps, or never. Notebook 03 shows this over
            ten seeds.
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

    def effective_weight(self, W_hat, M_hat, G=None):
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
    sparsity = check_number("sparsity", sparsity, minimum=0.0)
    sparsity_start = check_integer("sparsity_start", sparsity_start, minimum=0)
    sparsity_end = check_integer("sparsity_end", sparsity_end, minimum=0)
    if sparsity_start > sparsity_end:
        raise ValueError(
            f"sparsity_start must not come after sparsity_end, got sparsity_start={sparsity_start!r}, "
            f"sparsity_end={sparsity_end!r}"
        )
    return sparsity, sparsity_start, sparsity_end


# Default regulariser settings of the NAU and NMU: full strength ``SPARSITY``, ramped up
# between optimizer steps ``SPARSITY_START`` and ``SPARSITY_END``. Chosen for runs of a few
# thousand steps (nalu_lib.train's default is 2000 full-batch Adam steps at 0.05), not the
# paper's millions; ``benchmarks/sparsity_defaults.py`` reruns the measurements behind them.
SPARSITY = 0.01
SPARSITY_START = 1000
SPARSITY_END = 1500


class _SparseArithmeticLayer(_ArithmeticLayer):
    """What the NAU and NMU share: one clipped ``kernel``, a step count and the sparsity regulariser.

    Where the regulariser's schedule lives, and why. The strength and warm-up
    (``sparsity``, ``sparsity_start``, ``sparsity_end``) are constructor arguments and part of
    the saved config, as Keras keeps a ``kernel_regularizer`` in ``Dense``'s config: the
    regulariser is part of what the paper calls a NAU or NMU, and ``model.fit`` gives a layer
    no other place to read training settings from, so ``Sequential([NAU(2), NMU(1)]).fit``
    trains the paper's units with no extra code, and a reloaded model trains with the same
    objective. Where the run is in that schedule is state, not configuration: ``step``, a
    non-trainable weight that counts the layer's training calls (one per optimizer step under
    ``fit``), saved with the weights like an optimizer's iteration count. A trainer that owns
    its protocol can override both: :meth:`penalty` takes explicit weights and an explicit step.
    """

    _weight_specs = (("kernel", "kernel_initializer"),)
    #: The range ``kernel`` is clipped to.
    W_range: tuple[float, float] = (-1.0, 1.0)

    def __init__(
        self,
        units: int,
        sparsity: float = SPARSITY,
        sparsity_start: int = SPARSITY_START,
        sparsity_end: int = SPARSITY_END,
        kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.sparsity, self.sparsity_start, self.sparsity_end = _check_schedule(sparsity, sparsity_start, sparsity_end)
        self.kernel_initializer = (
            self._paper_initializer() if kernel_initializer is None else _initializer(kernel_initializer)
        )

    def _paper_initializer(self) -> keras.initializers.Initializer:
        raise NotImplementedError

    def _constraint(self, name: str):
        return Clip(*self.W_range)

    def build(self, input_shape):
        super().build(input_shape)
        self.step = self.add_weight(
            name="step",
            shape=(),
            dtype="int64",
            initializer="zeros",
            trainable=False,
            aggregation="only_first_replica",
        )

    def effective_weight(self, kernel):
        """The ``kernel`` itself: the optimizer keeps it in range (:class:`Clip`)."""
        return kernel

    def call(self, inputs, training=None):
        """The layer's output; in training, also its regulariser as a loss (``add_loss``).

        A training call adds ``lambda_sparse(step) * R_sparse(kernel)`` to the layer's
        ``losses``, which ``model.fit`` (and any loop that adds ``model.losses``) adds to the
        loss, then counts the step.
        """
        if training:
            if self.sparsity > 0:
                self.add_loss(self._scaled_regulariser(self.kernel, self.step))
            self.step.assign_add(1)
        return self.forward(inputs, self.kernel)

    def set_weights(self, weights):
        """Keras's ``set_weights``; ``[kernel]`` alone also works and keeps the step count."""
        weights = list(weights)
        if self.built and len(weights) == len(self.trainable_weights):
            weights += [ops.convert_to_numpy(w) for w in self.non_trainable_weights]
        super().set_weights(weights)

    def sparsity_lambda(self, step):
        """The regulariser's weight ``lambda_sparse`` at ``step`` (see :func:`sparsity_schedule`)."""
        return sparsity_schedule(step, self.sparsity, self.sparsity_start, self.sparsity_end)

    def _scaled_regulariser(self, kernel, step):
        return ops.cast(self.sparsity_lambda(step), kernel.dtype) * sparsity_regularizer(kernel)

    def penalty(self, kernel, *, step):
        """``lambda_sparse(step) * R_sparse(kernel)`` for explicit weights and an explicit step.

        For trainers that run :meth:`forward` on weights of their own: :func:`nalu_lib.train_many`
        passes a stack, shape ``(seeds, input_dim, units)``, and gets one value per seed.
        :func:`nalu_lib.train` and ``model.fit`` use the loss a training call adds instead.
        """
        return self._scaled_regulariser(kernel, step)

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
    the pull toward -1, 0 and 1. Taught in notebook 05.

    Initialisation: ``W ~ U[-r, r]`` with ``r = min(0.5, sqrt(6 / (input_dim + units)))``
    (:class:`NAUUniform`, as in the authors' code, github.com/AndreasMadsen/stable-nalu).

    The regulariser is applied wherever the layer is trained: ``model.fit`` and any loop that
    adds ``model.losses`` (through ``add_loss`` in training calls), :func:`nalu_lib.train` and
    :func:`nalu_lib.train_many` (through :meth:`penalty`). Its defaults (``sparsity=0.01``
    from step 1000 to 1500) are ours, for runs of a few thousand steps: the paper ramps up to
    10 between steps 1 and 2 million of 5 million. ``benchmarks/sparsity_defaults.py`` shows
    why these values; the paper's two-layer multiplication needs the paper's scale.

    Args:
        units: Positive integer, the number of outputs.
        sparsity: ``lambda_sparse`` at full strength, a number >= 0 (0 switches the
            regulariser off).
        sparsity_start: The optimizer step at which the regulariser starts to ramp up.
        sparsity_end: The step at which it reaches full strength (>= ``sparsity_start``).
        kernel_initializer: Initializer for ``kernel``. ``None`` (default) for the paper's
            :class:`NAUUniform`.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    Weights: ``kernel``, trainable, of shape ``(input_dim, units)``; ``step``, the number of
    training calls so far (non-trainable). :attr:`W` is ``kernel`` as a numpy array.
    """

    W_range = (-1.0, 1.0)

    def _paper_initializer(self):
        return NAUUniform()

    def forward(self, x, kernel):
        """``x @ kernel`` for the given weight (any leading batch axes)."""
        return batched_matmul(x, kernel)


@keras.saving.register_keras_serializable(package="nalu_lib")
class NMU(_SparseArithmeticLayer):
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
    Like any float32 product it overflows to ``inf`` past about 3.4e38.

    Initialisation: ``W ~ U[0.25, 0.75]``, so every input starts half in the product, as in the
    authors' code. The regulariser is applied as for the :class:`NAU`, with the same defaults.

    Args:
        units: Positive integer, the number of outputs.
        sparsity: ``lambda_sparse`` at full strength, a number >= 0 (0 switches it off).
        sparsity_start: The optimizer step at which the regulariser starts to ramp up.
        sparsity_end: The step at which it reaches full strength (>= ``sparsity_start``).
        kernel_initializer: Initializer for ``kernel``. ``None`` (default) for the paper's
            ``RandomUniform(0.25, 0.75)``.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape:
        ``(..., input_dim)``.

    Output shape:
        ``(..., units)``.

    Weights: ``kernel``, trainable, of shape ``(input_dim, units)``; ``step``, the number of
    training calls so far (non-trainable). :attr:`W` is ``kernel`` as a numpy array.
    """

    W_range = (0.0, 1.0)

    def _paper_initializer(self):
        return keras.initializers.RandomUniform(0.25, 0.75)

    def forward(self, x, kernel):
        """``prod_i (kernel_ij * x_i + 1 - kernel_ij)`` for the given weight (any leading batch axes)."""
        x = ops.expand_dims(x, -1)  # (..., n, input_dim, 1)
        kernel = ops.expand_dims(kernel, -3)  # (..., 1, input_dim, units)
        return ops.prod(kernel * x + (1.0 - kernel), axis=-2)
