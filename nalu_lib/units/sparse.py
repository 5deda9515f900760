"""What the NAU and NMU share: a clipped kernel and the sparsity regulariser with its warm-up
(Madsen & Johansen 2020, section 2). Taught in notebook 05."""

from __future__ import annotations

import keras
from keras import ops

from nalu_lib.checks import check_integer, check_number
from nalu_lib.units.base import ArithmeticUnit, Tensor, fresh_initializer

__all__ = [
    "SPARSITY",
    "SPARSITY_END",
    "SPARSITY_START",
    "Clip",
    "SparseUnit",
    "sparsity_regularizer",
    "sparsity_schedule",
]


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


class SparseUnit(ArithmeticUnit):
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

    weight_specs = (("kernel", "kernel_initializer"),)
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
            self._paper_kernel_initializer() if kernel_initializer is None else fresh_initializer(kernel_initializer)
        )

    def _paper_kernel_initializer(self) -> keras.initializers.Initializer:
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
        return self.compute(inputs, self.kernel)

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
