"""Keras 3 layers for neural arithmetic: the NAC and the NALU of Trask et al. (2018).

Each layer keeps its math in a ``forward(x, *weights)`` method that takes its weights
explicitly. ``call()`` passes the layer's own variables; :func:`nalu_lib.training.train_many`
passes a stack of weights, one slice per seed, and trains many models in one graph. The same
code therefore serves a single model and a batch of them, and ``forward`` works for weights of
shape ``(input_dim, units)`` as well as ``(seeds, input_dim, units)``.

Taught in notebooks 02 (NAC) and 03 (NALU).
"""

from __future__ import annotations

import math
import numbers

import keras
import numpy as np
from keras import ops

__all__ = ["NAC", "NALU", "nac_weight"]


def nac_weight(W_hat, M_hat):
    """The NAC's effective weight ``W = tanh(W_hat) * sigmoid(M_hat)`` (paper, eq. 1).

    Every entry lies in (-1, 1) and is pulled toward -1, 0 or 1: ``tanh`` picks the sign and
    magnitude, ``sigmoid`` switches the entry on or off. Computed from the raw weights on every
    call, never cached (caching it turns the NAC into a plain linear layer). Notebook 02 plots
    this surface.
    """
    return ops.tanh(W_hat) * ops.sigmoid(M_hat)


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
                    trainable=True,
                ),
            )

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
        self.w_hat_initializer = keras.initializers.get(w_hat_initializer)
        self.m_hat_initializer = keras.initializers.get(m_hat_initializer)

    def forward(self, x, W_hat, M_hat):
        """``x @ tanh(W_hat) * sigmoid(M_hat)`` for the given weights (any leading batch axes)."""
        return ops.matmul(x, nac_weight(W_hat, M_hat))

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
            gradient, so the gate stays on whichever path the random sign picked: about half of
            the article's seeds can never multiply. Notebook 03 shows this.
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
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, numbers.Real)
            or not math.isfinite(epsilon)
            or epsilon <= 0
        ):
            raise ValueError(f"epsilon must be a positive finite number, got epsilon={epsilon!r}")
        if log_space_dtype not in (None, "float32", "float64"):
            raise ValueError(
                f"log_space_dtype must be 'float64', 'float32' or None, got log_space_dtype={log_space_dtype!r}"
            )
        self.epsilon = float(epsilon)
        self.log_space_dtype = log_space_dtype
        self.w_hat_initializer = keras.initializers.get(w_hat_initializer)
        self.m_hat_initializer = keras.initializers.get(m_hat_initializer)
        self.g_initializer = keras.initializers.get(g_initializer)

    def _gate(self, x, G):
        return ops.sigmoid(ops.matmul(x, G))

    def _log_path(self, x, W):
        out_dtype = x.dtype
        dtype = self.log_space_dtype or out_dtype
        log_x = ops.log(ops.abs(ops.cast(x, dtype)) + self.epsilon)
        exponent = ops.matmul(log_x, ops.cast(W, dtype))
        max_exponent = math.log(float(np.finfo(keras.backend.standardize_dtype(out_dtype)).max))
        exponent = ops.minimum(exponent, math.floor(max_exponent))
        return ops.cast(ops.exp(exponent), out_dtype)

    def forward(self, x, W_hat, M_hat, G):
        """``g * a + (1 - g) * m`` for the given weights (any leading batch axes)."""
        W = nac_weight(W_hat, M_hat)
        g = self._gate(x, G)
        return g * ops.matmul(x, W) + (1.0 - g) * self._log_path(x, W)

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
