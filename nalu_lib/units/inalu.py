"""The improved NALU (iNALU) of Schlör, Ring & Hotho (2020), section 3.

Written after the authors' TensorFlow 1 code, ``nalui2_layer`` in ``nalu_architectures.py`` of
github.com/daschloer/inalu; where ours differs: ``docs/design.md``, "The iNALU".
"""

from __future__ import annotations

import keras
from keras import ops

from nalu_lib.checks import check_number
from nalu_lib.units.base import ArithmeticUnit, batched_matmul, fresh_initializer
from nalu_lib.units.nac import nac_weight

__all__ = ["INALU", "PAPER_INITIAL_MEANS"]

#: The mean of each weight's initial values in the authors' training scripts
#: (``nalu_syn_simple_arith.py``, lines 48-54), all with a standard deviation of 0.1.
PAPER_INITIAL_MEANS = {"W_hat_a": 1.0, "M_hat_a": -1.0, "W_hat_m": 1.0, "M_hat_m": -1.0, "G": 0.0}


def _initializer(identifier, name: str) -> keras.initializers.Initializer:
    """A fresh ``identifier``, or for ``None`` the authors' ``RandomNormal`` for weight ``name``."""
    if identifier is None:
        identifier = keras.initializers.RandomNormal(mean=PAPER_INITIAL_MEANS[name], stddev=0.1)
    return fresh_initializer(identifier)


@keras.saving.register_keras_serializable(package="nalu_lib")
class INALU(ArithmeticUnit):
    """Improved NALU: separate weights for adding and multiplying, the product's sign, clipping.

    Implements the iNALU of Schlör, Ring & Hotho (2020), "iNALU: Improved Neural Arithmetic
    Logic Unit" (Frontiers in Artificial Intelligence 3:71; arXiv:2003.07629), section 3, as the
    authors' ``nalui2_layer`` (``nalu_architectures.py``): independent gates and separate
    weights for the two paths::

        W_a = tanh(W_hat_a) * sigmoid(M_hat_a)       # the additive path's weights
        W_m = tanh(W_hat_m) * sigmoid(M_hat_m)       # the multiplicative path's weights
        a = x @ W_a
        m = exp(min(log(max(|x|, epsilon)) @ W_m, omega))
        msv_j = prod_i (sign(x_i) * |W_m_ij| + 1 - |W_m_ij|)   # the product's sign
        g = sigmoid(G)                               # one gate per output, not a function of x
        y = g * a + (1 - g) * m * clip(msv, -1, 1)

    With every ``|W_m_ij|`` at 0 or 1, ``msv_j`` is -1 when an odd number of the inputs in output
    ``j``'s product are negative, 1 when even, and 0 when one of them is 0: the sign the NALU's
    ``|x|`` loses. ``max(|x|,
    epsilon)`` keeps the log finite at 0, and ``omega`` caps the exponent, so that ``m`` stays
    below ``exp(20)``, about 4.9e8, by default: larger products are out of its reach. Under a
    16-bit dtype policy the unit computes in float32. Taught in notebook 10.

    The authors' training also clips every gradient to [-0.1, 0.1], trains ``W`` and ``G`` in
    alternating batches, applies the regulariser only once ``epoch > 10`` and while the batch's loss
    is below 1, and re-initialises every weight from ``U(-2, 2)`` when the loss has stopped
    falling (``nalu_syn_simple_arith.py``, lines 151-218): a training procedure, which belongs
    to the trainer and is not part of this layer.

    Args:
        units: Positive integer, the number of outputs.
        epsilon: Positive number, the smallest ``|x|`` the log sees. Default 1e-7, theirs.
        omega: Positive number, the largest exponent of ``m`` (at most 88, so that ``exp`` stays
            finite in float32). Default 20, theirs.
        regularization: Strength of the authors' regulariser (:meth:`penalty`), added to the
            loss in training. Default 0, off; theirs is 0.05, switched on as said above.
        regularization_bound: Positive number: the regulariser pushes every raw weight out of
            ``(-regularization_bound, regularization_bound)``, into the flat ends of ``tanh``
            and ``sigmoid``. Default 20, theirs.
        w_hat_a_initializer, m_hat_a_initializer, w_hat_m_initializer, m_hat_m_initializer,
        g_initializer: Initializers for the five weights; ``None`` (default) for the authors':
            ``RandomNormal(1, 0.1)`` for the ``W_hat``s, ``RandomNormal(-1, 0.1)`` for the
            ``M_hat``s, ``RandomNormal(0, 0.1)`` for ``G``, the values their training scripts
            set (the module's own defaults, ``N(0.88, 0.2)``, ``N(0.5, 0.2)`` and ``N(0, 0.2)``,
            are overwritten before any layer is made).
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape ``(..., input_dim)``, output shape ``(..., units)``. Weights, in this order:
    ``W_hat_a``, ``M_hat_a``, ``W_hat_m``, ``M_hat_m``, each ``(input_dim, units)``, and ``G``,
    ``(units,)``. :attr:`W` is, for each output, the column of the path its gate favours:
    ``W_a`` where ``sigmoid(G) >= 0.5``, ``W_m`` elsewhere.
    """

    float32_only = True
    weight_specs = (
        ("W_hat_a", "w_hat_a_initializer"),
        ("M_hat_a", "m_hat_a_initializer"),
        ("W_hat_m", "w_hat_m_initializer"),
        ("M_hat_m", "m_hat_m_initializer"),
        ("G", "g_initializer"),
    )

    def __init__(
        self,
        units: int,
        epsilon: float = 1e-7,
        omega: float = 20.0,
        regularization: float = 0.0,
        regularization_bound: float = 20.0,
        w_hat_a_initializer=None,
        m_hat_a_initializer=None,
        w_hat_m_initializer=None,
        m_hat_m_initializer=None,
        g_initializer=None,
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.epsilon = check_number("epsilon", epsilon, positive=True)
        self.omega = check_number("omega", omega, positive=True)
        if self.omega > 88:
            raise ValueError(f"omega must be at most 88 (exp(omega) must be finite in float32), got omega={omega!r}")
        self.regularization = check_number("regularization", regularization, minimum=0.0)
        self.regularization_bound = check_number("regularization_bound", regularization_bound, positive=True)
        self.w_hat_a_initializer = _initializer(w_hat_a_initializer, "W_hat_a")
        self.m_hat_a_initializer = _initializer(m_hat_a_initializer, "M_hat_a")
        self.w_hat_m_initializer = _initializer(w_hat_m_initializer, "W_hat_m")
        self.m_hat_m_initializer = _initializer(m_hat_m_initializer, "M_hat_m")
        self.g_initializer = _initializer(g_initializer, "G")

    def add_weight(self, shape=None, name=None, **kwargs):
        """Keras's ``add_weight``; the gate ``G`` gets one entry per output, not
        ``(input_dim, units)`` as every other weight of the unit."""
        if name == "G":
            shape = tuple(shape)[1:]
        return super().add_weight(shape=shape, name=name, **kwargs)

    def _gate(self, G):
        g = ops.sigmoid(G)
        return ops.expand_dims(g, -2) if len(g.shape) == 2 else g  # a stack: (seeds, 1, units)

    def compute(self, x, W_hat_a, M_hat_a, W_hat_m, M_hat_m, G):
        """``g * a + (1 - g) * m * clip(msv, -1, 1)`` for the given weights (any leading batch axes)."""
        W_a = nac_weight(W_hat_a, M_hat_a)
        W_m = nac_weight(W_hat_m, M_hat_m)
        a = batched_matmul(x, W_a)
        log_x = ops.log(ops.maximum(ops.abs(x), self.epsilon))
        m = ops.exp(ops.minimum(batched_matmul(log_x, W_m), self.omega))
        abs_W = ops.expand_dims(ops.abs(W_m), -3)  # (..., 1, input_dim, units)
        sign = ops.expand_dims(ops.sign(x), -1)  # (..., n, input_dim, 1)
        msv = ops.prod(sign * abs_W + (1.0 - abs_W), axis=-2)
        g = ops.cast(self._gate(G), x.dtype)
        return g * a + (1.0 - g) * m * ops.clip(msv, -1.0, 1.0)

    def call(self, inputs, training=None):
        """The layer's output; in training with ``regularization > 0``, also :meth:`penalty` as a
        loss (``add_loss``)."""
        weights = self._own_weights()
        if training and self.regularization > 0:
            self.add_loss(self.penalty(*weights, step=None))
        return self.compute(inputs, *weights)

    def penalty(self, *weights, step):
        """``regularization * sum_w mean(max(regularization_bound - |w|, 0))`` over the five raw
        weights, in float32.

        The authors' ``0.05 * tf.add_n([tf.reduce_mean(regularize(v)) for v in reg_vars])`` with
        ``regularize(v) = max(min(-v, v) + 20, 0)`` (``nalu_syn_simple_arith.py``, lines 142-147),
        at a constant strength: ``step`` is not used. ``None`` when ``regularization`` is 0;
        stacked weights give one value per seed.
        """
        if self.regularization == 0:
            return None
        total = 0.0
        for (name, _), w in zip(self.weight_specs, weights, strict=True):
            rank = 1 if name == "G" else 2  # the axes of one seed's weight
            below = ops.relu(self.regularization_bound - ops.abs(ops.cast(w, "float32")))
            total = total + ops.mean(below, axis=tuple(range(-rank, 0)))
        return self.regularization * total

    def _effective_weight(self, W_hat_a, M_hat_a, W_hat_m, M_hat_m, G):
        """Per output, ``W_a`` where the gate favours the additive path, ``W_m`` elsewhere."""
        additive = ops.expand_dims(ops.sigmoid(G), -2) >= 0.5
        return ops.where(additive, nac_weight(W_hat_a, M_hat_a), nac_weight(W_hat_m, M_hat_m))

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        config["omega"] = self.omega
        config["regularization"] = self.regularization
        config["regularization_bound"] = self.regularization_bound
        return config
