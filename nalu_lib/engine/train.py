"""Train one model fast and reproducibly: :func:`train`.

The whole loop runs inside a compiled TensorFlow graph (:mod:`nalu_lib.engine.loop`), so a step
costs tens of microseconds. Many seeds at once: :func:`nalu_lib.train_many`. Taught in notebook 02.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from nalu_lib.checks import check_integer
from nalu_lib.engine.batches import check_xy, minibatches
from nalu_lib.engine.loop import DEFAULT_STEPS, TrainLog, loss_function, run_steps
from nalu_lib.engine.optimizers import make_optimizer
from nalu_lib.engine.seeding import seeded_model
from nalu_lib.units.sparse import SparseUnit

__all__ = ["train"]


def train(
    model,
    x,
    y,
    *,
    steps: int = DEFAULT_STEPS,
    learning_rate: float | None = None,
    seed: int | None = None,
    batch_size: int | None = None,
    data_seed: int = 0,
    optimizer=None,
    loss="mse",
    progress: bool = False,
    callback: Callable[[int, np.ndarray], None] | None = None,
    jit_compile: bool | str = "auto",
) -> TrainLog:
    """Train a Keras model on ``(x, y)`` and return its :class:`~nalu_lib.engine.loop.TrainLog`.

    The defaults learn the article's tasks: ``train(model, x_train, y_train)`` with a one-layer
    NAC learns addition, and with a one-layer NALU multiplication, to float32 precision for any
    seed, in about a second. Taught in notebook 02.

    Args:
        model: A Keras model (or layer), or a function that builds one. An unbuilt model is built
            on ``x`` after seeding, so its initial weights depend on ``seed`` alone; a model that
            is already built keeps its weights (seed before building it).
        x: Inputs, shape ``(n, input_dim)``.
        y: Targets, shape ``(n, units)`` or ``(n,)``.
        steps: Number of optimizer steps (full-batch epochs unless ``batch_size`` is set).
        learning_rate: Learning rate of the default optimizer (default 0.05) or of an optimizer
            given by name. Leave it ``None`` when ``optimizer`` is a Keras optimizer: giving
            both is a ValueError.
        seed: Seeds Python, numpy, TensorFlow and Keras first (``keras.utils.set_random_seed``):
            the same seed and the same unbuilt model give the same result.
        batch_size: ``None`` for full-batch training, or the size of random mini-batches.
        data_seed: Seeds the order of the mini-batches, apart from ``seed``, so that a model
            sees the same batches whether it is trained alone or with other seeds.
        optimizer: ``None`` for :func:`~nalu_lib.engine.optimizers.default_optimizer`, a Keras optimizer, or
            its name.
        loss: ``"mse"`` (default), ``"mae"``, or ``f(y_true, y_pred)`` giving elementwise losses.
        progress: Show a progress bar (the notebooks do; silent by default).
        callback: Called as ``callback(steps_done, loss_so_far)`` about 50 times during training.
        jit_compile: Compile the training loop with XLA: ``True``, ``False`` (to debug), or
            ``"auto"`` (default): XLA for runs of 5000 steps or more, where its half-second
            compilation pays off.

    Raises:
        ValueError: for bad arguments or data (non-finite, empty, mismatched lengths).
        FloatingPointError: if the loss becomes NaN or infinite (lower ``learning_rate``).
    """
    steps = check_integer("steps", steps, minimum=1)
    seed = check_integer("seed", seed, minimum=0, allow_none=True)
    x, y = check_xy(x, y)
    batch_size = check_integer("batch_size", batch_size, minimum=1, allow_none=True)
    batch_size = None if batch_size is None else min(batch_size, len(x))
    data_seed = check_integer("data_seed", data_seed, minimum=0)
    loss_fn = loss_function(loss)
    optimizer = make_optimizer(optimizer, learning_rate)
    model = seeded_model(model, x, seed, y.shape[-1])
    variables = list(model.trainable_variables)
    sparse_units = [
        layer for layer in model._flatten_layers(include_self=True) if isinstance(layer, SparseUnit) and layer.built
    ]

    def losses_fn(weights, xb, yb, step):  # reads the model's variables, not weights
        for unit in sparse_units:  # the regulariser's schedule follows the optimizer's step
            unit.step.assign(tf.cast(optimizer.iterations, unit.step.dtype))
        prediction = model(xb, training=True)
        data_loss = tf.reduce_mean(loss_fn(yb, tf.cast(prediction, yb.dtype)))
        total = data_loss  # plus the layers' own losses: the NAU's and NMU's regulariser, Keras regularizers
        if model.losses:
            total = total + tf.add_n([tf.cast(extra, total.dtype) for extra in model.losses])
        return data_loss, total

    start = time.perf_counter()
    loss_history, steps_done, chunk_seconds = run_steps(
        variables,
        losses_fn,
        minibatches(x, y, batch_size, data_seed),
        steps=steps,
        optimizer=optimizer,
        progress=progress,
        callback=callback,
        jit_compile=jit_compile,
        description=f"training {model.name}",
    )
    history = TrainLog(
        loss=loss_history, seconds=time.perf_counter() - start, chunk_seconds=chunk_seconds, steps=steps_done
    )
    if not np.all(np.isfinite(loss_history)):
        first = int(np.argmin(np.isfinite(loss_history)))
        raise FloatingPointError(
            f"training diverged: the loss became {loss_history[first]} at step {first}; "
            f"try a smaller learning_rate (it was {optimizer.learning_rate.numpy():g})"
        )
    return history
