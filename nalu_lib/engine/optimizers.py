"""The optimizers the trainers use: the series' Adam, and Adam's settings for the fused loop.

Taught in notebook 02 (why ``beta_2 = 0.9`` and ``epsilon = 1e-20``).
"""

from __future__ import annotations

import keras
import numpy as np

from nalu_lib.checks import check_number

__all__ = ["DEFAULT_LEARNING_RATE", "default_optimizer", "fused_adam", "make_optimizer"]

#: Default Adam learning rate, the article's.
DEFAULT_LEARNING_RATE = 0.05


def default_optimizer(
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = DEFAULT_LEARNING_RATE,
) -> keras.optimizers.Optimizer:
    """Adam with ``beta_2 = 0.9`` and ``epsilon = 1e-20``, what :func:`nalu_lib.train` uses unless told.

    Why not Keras's ``beta_2 = 0.999``: a NAC reaches exactly +1 or -1 only by saturating
    ``tanh`` and ``sigmoid``, so its gradients shrink exponentially as it converges. Adam divides
    each step by a running average of squared gradients that remembers about ``1 / (1 - beta_2)``
    steps; with 0.999 it keeps remembering the huge early gradients, the steps shrink to nothing,
    and training stalls a little short of the answer. With 0.9 the memory is ten steps.

    Why ``epsilon = 1e-20`` instead of 1e-7: Adam's step is ``m / (sqrt(v) + epsilon)``. Near
    saturation a NAC's gradients fall far below 1e-7, and then epsilon, not the gradient, sets
    the step size: training stalls at ``W = 0.99999``. A tiny epsilon keeps the step at about
    the learning rate until ``W`` is exact in float32. Notebook 02 shows both.
    """
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        check_number("learning_rate", learning_rate, positive=True)
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_2=0.9, epsilon=1e-20)


def make_optimizer(optimizer, learning_rate) -> keras.optimizers.Optimizer:
    """The optimizer a trainer uses: :func:`default_optimizer` at ``learning_rate`` when
    ``optimizer`` is ``None``, a Keras optimizer by name at ``learning_rate``, or ``optimizer``
    itself, in which case ``learning_rate`` must be ``None`` (a ValueError otherwise: the
    optimizer carries its own)."""
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate is not None:
            raise ValueError(
                f"give the learning rate to the optimizer or to train, not both: got optimizer={optimizer!r} "
                f"and learning_rate={learning_rate!r} (leave learning_rate=None; the optimizer's own is used)"
            )
        return optimizer
    learning_rate = DEFAULT_LEARNING_RATE if learning_rate is None else learning_rate
    learning_rate = check_number("learning_rate", learning_rate, positive=True)
    if optimizer is None:
        return default_optimizer(learning_rate)
    if isinstance(optimizer, str):
        try:
            return keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})
        except ValueError:
            raise ValueError(
                f"optimizer must name a Keras optimizer such as 'adam', got optimizer={optimizer!r}"
            ) from None
    raise ValueError(f"optimizer must be None, a name or a keras optimizer, got optimizer={optimizer!r}")


def fused_adam(optimizer) -> dict | None:
    """Adam's hyperparameters when ``optimizer`` is a plain ``keras.optimizers.Adam`` (no AMSGrad,
    weight decay, clipping, EMA, loss scaling or accumulation), else ``None``; the learning rate
    is a number or a Keras ``LearningRateSchedule``. For such an optimizer :func:`run_steps` can
    apply the update itself (``fused``)."""
    if type(optimizer) is not keras.optimizers.Adam or optimizer.amsgrad:
        return None
    extras = (
        optimizer.weight_decay,
        optimizer.clipnorm,
        optimizer.clipvalue,
        optimizer.global_clipnorm,
        optimizer.loss_scale_factor,
        optimizer.gradient_accumulation_steps,
    )
    if optimizer.use_ema or any(value is not None for value in extras):
        return None
    schedule = optimizer._learning_rate
    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        schedule = float(np.asarray(optimizer.learning_rate))
    return {
        "learning_rate": schedule,
        "beta_1": float(optimizer.beta_1),
        "beta_2": float(optimizer.beta_2),
        "epsilon": float(optimizer.epsilon),
    }
