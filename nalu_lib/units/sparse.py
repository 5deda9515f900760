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
    "SparsitySchedule",
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


#: The NAU's and NMU's default regulariser: full strength, and the steps of its ramp.
SPARSITY = 0.01
SPARSITY_START = 1000
SPARSITY_END = 1500


class SparseUnit(ArithmeticUnit):
    """What the NAU and NMU share: one clipped ``kernel`` and the sparsity regulariser on its schedule.

    The regulariser's strength at optimizer step ``s`` is :func:`sparsity_schedule` of ``s``,
    read from the non-trainable weight ``step``, which the trainer keeps at the optimizer's
    step count: :func:`nalu_lib.train` and :func:`nalu_lib.train_many` do it themselves;
    under ``model.fit`` pass the :class:`SparsitySchedule` callback, without which ``step``
    stays 0 (the regulariser off, unless its warm-up ends at step 0). Why: ``docs/design.md``.

    Args:
        units: Positive integer, the number of outputs.
        sparsity: ``lambda_sparse`` at full strength, a number >= 0 (0 switches it off).
            Default 0.01, from step 1000 to 1500: ours, for runs of a few thousand steps (the
            paper ramps up to 10 between steps 1 and 2 million of 5 million;
            ``benchmarks/sparsity_defaults.py`` measures these values).
        sparsity_start: The optimizer step at which the regulariser starts to ramp up.
        sparsity_end: The step at which it reaches full strength (>= ``sparsity_start``).
        kernel_initializer: Initializer for ``kernel``; ``None`` for the paper's.
        **kwargs: Base layer arguments such as ``name`` and ``dtype``.
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
        self.step = self.add_weight(name="step", shape=(), dtype="int32", initializer="zeros", trainable=False)

    def _effective_weight(self, kernel):
        """The ``kernel`` itself: the optimizer keeps it in range (:class:`Clip`)."""
        return kernel

    def call(self, inputs, training=None):
        """The layer's output; in training, also ``lambda_sparse(step) * R_sparse(kernel)`` as a
        loss (``add_loss``), which ``model.fit`` and :func:`nalu_lib.train` add to the loss."""
        if training and self.sparsity > 0:
            self.add_loss(self.penalty(self.kernel, step=self.step))
        return self.compute(inputs, self.kernel)

    def set_weights(self, weights):
        """Keras's ``set_weights``; ``[kernel]`` alone also works and keeps the step count."""
        weights = list(weights)
        if self.built and len(weights) == len(self.weights) - 1:  # all but the step, trainable or frozen
            weights.append(ops.convert_to_numpy(self.step))
        super().set_weights(weights)

    def sparsity_lambda(self, step):
        """The regulariser's weight ``lambda_sparse`` at ``step`` (see :func:`sparsity_schedule`)."""
        return sparsity_schedule(step, self.sparsity, self.sparsity_start, self.sparsity_end)

    def penalty(self, kernel, *, step):
        """``lambda_sparse(step) * R_sparse(kernel)``, in float32, for explicit weights and step.

        ``kernel`` of shape ``(seeds, input_dim, units)`` gives one value per seed (what
        :func:`nalu_lib.train_many` passes).
        """
        return self.sparsity_lambda(step) * sparsity_regularizer(ops.cast(kernel, "float32"))

    def get_config(self):
        config = super().get_config()
        config["sparsity"] = self.sparsity
        config["sparsity_start"] = self.sparsity_start
        config["sparsity_end"] = self.sparsity_end
        return config


class SparsitySchedule(keras.callbacks.Callback):
    """Keeps every NAU's and NMU's regulariser on the optimizer's step under ``model.fit``.

    Before each training batch, sets the ``step`` of every :class:`SparseUnit` of the model to
    ``model.optimizer.iterations``, the number of updates applied so far, so that a unit called
    twice per step, or trained with gradient accumulation, sees ``lambda_sparse`` of the same
    step as :func:`nalu_lib.train` and :func:`nalu_lib.train_many`. Pass it as
    ``model.fit(..., callbacks=[SparsitySchedule()])``. With ``steps_per_execution > 1`` the
    step is updated once per execution. Taught in notebook 05.
    """

    def on_train_batch_begin(self, batch, logs=None):
        model = self.model
        step = ops.convert_to_numpy(model.optimizer.iterations)
        for layer in model._flatten_layers(include_self=False):
            if isinstance(layer, SparseUnit) and layer.built:
                layer.step.assign(step)
