"""Recurrent arithmetic: the NAC and the NALU as Keras RNN cells.

A recurrent cell reads one time step ``x_t`` and its previous state ``h_{t-1}`` and returns the
new state, which is also its output. Here the new state is a NAC or a NALU applied to the two
side by side (Trask et al. 2018, section 4.1, the recurrent version of the arithmetic task)::

    h_t = NAC([x_t, h_{t-1}])        or        h_t = NALU([x_t, h_{t-1}])

With a weight of exactly 1 from ``h_{t-1}`` to ``h_t`` and 1 or 0 from each input, the recurrent
NAC keeps a running sum that stays exact for sequences of any length; a recurrent NALU whose
gate picks the log-space path keeps a running product. Both cells hold a :class:`~nalu_lib.NAC`
or :class:`~nalu_lib.NALU` layer and reuse its math, so everything notebooks 02 and 03 say
about those layers holds here. Wrap a cell in ``keras.layers.RNN`` to run it over a sequence.

Taught in notebook 07 (running sums and products), and used in notebook 08 (summing
handwritten digits).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from nalu_lib.checks import check_integer, check_number
from nalu_lib.units.base import float32_if_16_bit, known_input_dim
from nalu_lib.units.nac import NAC
from nalu_lib.units.nalu import NALU

__all__ = [
    "EveryStep",
    "RecurrentNAC",
    "RecurrentNALU",
    "recurrent_loop",
]


class _RecurrentArithmeticCell(keras.layers.Layer):
    """What the two cells share: the state, the inner layer, the initial state, the config."""

    #: The inner unit's class; the cell computes in float32 where that unit does.
    unit_class: type = NAC

    def __init__(self, units: int, initial_value: float = 0.0, **kwargs):
        super().__init__(**(float32_if_16_bit(kwargs) if self.unit_class.float32_only else kwargs))
        self.units = check_integer("units", units, minimum=1)
        self.initial_value = check_number("initial_value", initial_value)
        self.state_size = self.units
        self.output_size = self.units
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_dim = known_input_dim(input_shape)
        self.input_dim = input_dim
        self.cell_layer.build((None, input_dim + self.units))
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs, states):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        h = self.cell_layer(ops.concatenate([inputs, ops.cast(previous, inputs.dtype)], axis=-1))
        return h, [h]

    def get_initial_state(self, batch_size=None):
        """The state before the first step: every entry ``initial_value`` (0 for sums, 1 for products)."""
        return [ops.full((batch_size, self.units), self.initial_value, dtype=self.compute_dtype)]

    @property
    def W(self) -> np.ndarray:
        """The effective weight ``tanh(W_hat) * sigmoid(M_hat)``, shape ``(input_dim + units, units)``:
        the first ``input_dim`` rows weigh the step's inputs, the last ``units`` the previous state."""
        return self.cell_layer.W

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        config["initial_value"] = self.initial_value
        return config


@keras.saving.register_keras_serializable(package="nalu_lib")
class RecurrentNAC(_RecurrentArithmeticCell):
    """A NAC as a recurrent cell: ``h_t = [x_t, h_{t-1}] @ W`` with ``W = tanh(W_hat) * sigmoid(M_hat)``.

    The recurrent version of the paper's NAC (Trask et al. 2018, section 4.1): the state is a
    linear function of the inputs and the previous state, with weights pulled toward -1, 0 and 1,
    so that a learned running sum stays exact however long the sequence. Use it inside
    ``keras.layers.RNN``. Taught in notebook 07; notebook 08 counts and sums digits with it.

    Args:
        units: Positive integer, the size of the state (and of the output).
        initial_value: The value of every entry of the state before the first step. Default 0,
            where a running sum starts.
        w_hat_initializer, m_hat_initializer: Initializers of the inner :class:`~nalu_lib.NAC`.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape (of one step):
        ``(batch, input_dim)``; inside ``keras.layers.RNN``, ``(batch, time, input_dim)``.

    Output shape (and state shape):
        ``(batch, units)``.

    Weights: those of the inner NAC, ``W_hat`` and ``M_hat``, each of shape
    ``(input_dim + units, units)``. The effective weight is :attr:`W`.
    """

    def __init__(
        self,
        units: int,
        initial_value: float = 0.0,
        w_hat_initializer="glorot_uniform",
        m_hat_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(units, initial_value, **kwargs)
        self.cell_layer = NAC(
            self.units,
            w_hat_initializer=w_hat_initializer,
            m_hat_initializer=m_hat_initializer,
            name="nac",
            dtype=self.dtype_policy,
        )

    def get_config(self):
        config = super().get_config()
        for key in ("w_hat_initializer", "m_hat_initializer"):
            config[key] = keras.initializers.serialize(getattr(self.cell_layer, key))
        return config


@keras.saving.register_keras_serializable(package="nalu_lib")
class RecurrentNALU(_RecurrentArithmeticCell):
    """A NALU as a recurrent cell: ``h_t = NALU([x_t, h_{t-1}])``.

    With its gate on the additive path it is a :class:`RecurrentNAC`; on the log-space path it
    multiplies: ``h_t = exp(log|x_t| @ W_x + log|h_{t-1}| @ W_h)``, a running product when
    ``W_h`` is the identity. A product starts from 1, so start it with ``initial_value=1``
    (from 0 the log path stays near 0 for ever). Use it inside ``keras.layers.RNN``. Taught in
    notebook 07. Under a 16-bit dtype policy the cell computes in float32, but ``keras.layers.RNN``
    casts its output to its own policy: give the RNN ``dtype="float32"`` too, or a running
    product past 65,504 becomes ``inf``.

    Args:
        units: Positive integer, the size of the state (and of the output).
        initial_value: The value of every entry of the state before the first step, default 1.
        epsilon, w_hat_initializer, m_hat_initializer, g_initializer, log_space_dtype: Those of
            the inner :class:`~nalu_lib.NALU` (notebook 03 explains each).
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.

    Input shape (of one step):
        ``(batch, input_dim)``; inside ``keras.layers.RNN``, ``(batch, time, input_dim)``.

    Output shape (and state shape):
        ``(batch, units)``.

    Weights: those of the inner NALU, ``W_hat``, ``M_hat`` and ``G``, each of shape
    ``(input_dim + units, units)``. The effective weight is :attr:`W`; :meth:`gate` gives the
    gate values.
    """

    unit_class = NALU

    def __init__(
        self,
        units: int,
        initial_value: float = 1.0,
        epsilon: float = 1e-7,
        w_hat_initializer="glorot_uniform",
        m_hat_initializer="glorot_uniform",
        g_initializer="zeros",
        log_space_dtype: str | None = "float64",
        **kwargs,
    ):
        super().__init__(units, initial_value, **kwargs)
        self.cell_layer = NALU(
            self.units,
            epsilon=epsilon,
            w_hat_initializer=w_hat_initializer,
            m_hat_initializer=m_hat_initializer,
            g_initializer=g_initializer,
            log_space_dtype=log_space_dtype,
            name="nalu",
            dtype=self.dtype_policy,
        )

    def gate(self, inputs, previous) -> np.ndarray:
        """The gate values ``sigmoid([x_t, h_{t-1}] @ G)`` for one step: 1 adds, 0 multiplies."""
        z = np.concatenate([np.asarray(inputs, np.float32), np.asarray(previous, np.float32)], axis=-1)
        return self.cell_layer.gate(z)

    def get_config(self):
        config = super().get_config()
        inner = self.cell_layer
        config["epsilon"] = inner.epsilon
        config["log_space_dtype"] = inner.log_space_dtype
        for key in ("w_hat_initializer", "m_hat_initializer", "g_initializer"):
            config[key] = keras.initializers.serialize(getattr(inner, key))
        return config


@keras.saving.register_keras_serializable(package="nalu_lib")
class EveryStep(keras.layers.Wrapper):
    """Apply ``layer`` to every time step of a sequence: ``(batch, time, *shape)`` to
    ``(batch, time, *output_shape)``.

    What ``keras.layers.TimeDistributed`` computes, in one call: the time axis is folded into
    the batch axis, ``layer`` reads all ``batch * time`` steps at once, and the result is
    unfolded. ``TimeDistributed`` instead writes one copy of ``layer`` into the graph per time
    step when the length is known (a thousand copies of a CNN for 1000 steps), so a model built
    on 10 steps would compile for minutes on 1000. Notebook 08 reads every digit of a sequence
    with a CNN this way.

    Args:
        layer: The Keras layer (or model) to apply to each step.
        **kwargs: Base layer arguments such as ``name``.
    """

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"EveryStep needs inputs of shape (batch, time, ...), got {tuple(input_shape)}")
        if not self.layer.built:
            self.layer.build((None, *input_shape[2:]))
        self.built = True

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        steps = ops.reshape(inputs, (-1, *inputs.shape[2:]))
        outputs = self.layer(steps, training=training)
        return ops.reshape(outputs, (shape[0], shape[1], *outputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        step = self.layer.compute_output_shape((None, *input_shape[2:]))
        return (input_shape[0], input_shape[1], *step[1:])


def recurrent_loop(cell: _RecurrentArithmeticCell, x) -> np.ndarray:
    """The final state of ``cell`` over sequences ``x`` ``(batch, time, input_dim)``, by a plain
    Python loop over the time steps in float64 numpy, with the cell's effective weights.

    What ``keras.layers.RNN(cell)`` computes, written out step by step: notebook 07 shows the
    loop once and checks that it equals the Keras layer (the tests do too).
    """
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(cell.W, dtype=np.float64)
    h = np.full((x.shape[0], cell.units), cell.initial_value)
    for t in range(x.shape[1]):
        z = np.concatenate([x[:, t], h], axis=-1)
        if isinstance(cell, RecurrentNALU):
            inner = cell.cell_layer
            g = 1 / (1 + np.exp(-(z @ np.asarray(inner.G, np.float64))))
            m = np.exp(np.log(np.abs(z) + inner.epsilon) @ W)
            h = g * (z @ W) + (1 - g) * m
        else:
            h = z @ W
    return h
