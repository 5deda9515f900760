"""The optimizers the trainers use: the series' Adam, and Adam's settings for the fused loop.

Taught in notebook 02 (why ``beta_2 = 0.9`` and ``epsilon = 1e-20``; with sources:
``docs/design.md``).
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

    A NAC's gradients shrink exponentially as it saturates; with Keras's ``beta_2 = 0.999`` and
    ``epsilon = 1e-7`` Adam's steps then shrink too and training stalls just short of the exact
    weights, while these settings keep each step at about the learning rate. Taught in notebook
    02 (notebook 01 uses it too); the reasons, with their sources: ``docs/design.md``.
    ``learning_rate`` is a positive number or a Keras ``LearningRateSchedule``.
    """
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        check_number("learning_rate", learning_rate, positive=True)
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_2=0.9, epsilon=1e-20)


def make_optimizer(optimizer, learning_rate) -> keras.optimizers.Optimizer:
    """The optimizer a trainer uses, from its ``optimizer`` and ``learning_rate`` arguments.

    Args:
        optimizer: ``None`` for :func:`default_optimizer`, a Keras optimizer's name, or a Keras
            optimizer, returned as it is.
        learning_rate: The rate for the first two (``None``: :data:`DEFAULT_LEARNING_RATE`);
            must be ``None`` with an optimizer object, which carries its own (a ValueError
            otherwise).

    No notebook calls it; :func:`nalu_lib.train` and :func:`nalu_lib.train_many` do.
    """
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
    is a number or a Keras ``LearningRateSchedule``. For such an optimizer
    :func:`~nalu_lib.engine.loop.run_steps` can apply the update itself (``fused``; no notebook
    calls it; ``docs/design.md``, "Fused Adam")."""
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
