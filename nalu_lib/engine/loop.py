"""The compiled training loop that :func:`nalu_lib.train` and :func:`nalu_lib.train_many` share.

A chunk of steps is one call of a ``tf.function`` (with XLA, one compiled computation): no
Python runs between steps, so a step costs tens of microseconds instead of the milliseconds of
a Python loop. Between chunks, Python reports progress, calls a callback, and may stop early.

Each step takes its data from ``batch(step)`` (:mod:`nalu_lib.engine.batches`).

Taught in notebook 02 (why ``train`` is faster than ``model.fit``); the design, with its
sources: ``docs/design.md``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from nalu_lib.checks import check_integer
from nalu_lib.engine.optimizers import fused_adam

__all__ = ["DEFAULT_STEPS", "TrainLog", "loss_function", "run_steps"]

#: Default number of training steps: enough for the article's tasks with the default optimizer.
DEFAULT_STEPS = 2000
#: How many times the progress bar or callback hears from a run unless told otherwise.
REPORTS = 50
#: With ``jit_compile="auto"``, runs of at least this many steps are compiled with XLA: XLA's
#: compilation costs about half a second, and pays for itself only on long runs.
XLA_MIN_STEPS = 5000


@dataclass
class TrainLog:
    """What :func:`nalu_lib.train` returns (and :func:`nalu_lib.train_many`, in its ensemble).

    Attributes:
        loss: Training loss before each recorded step, a numpy array of shape ``(n,)``
            (``(n, n_models)`` from :func:`nalu_lib.train_many`); every step unless the run
            recorded only the last step of each chunk.
        seconds: Wall time of the call, tracing and compilation included.
        chunk_seconds: Wall time of each graph call; the first includes tracing and
            compilation, the others are the training loop alone.
        steps: The step number of each entry of ``loss``.

    Notebooks 02 and 03 read it (``loss``, ``seconds``, :attr:`final_loss`, :attr:`steps_run`).
    """

    loss: np.ndarray
    seconds: float
    chunk_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def final_loss(self):
        """The loss of the last recorded step (one value per model for :func:`nalu_lib.train_many`);
        notebooks 02 and 03 print it."""
        return self.loss[-1]

    @property
    def steps_run(self) -> int:
        """How many optimizer steps the run made (fewer than asked if it stopped early); notebooks
        02 and 03 print it."""
        return int(self.steps[-1]) + 1 if len(self.steps) else 0


def loss_function(loss) -> Callable:
    """The elementwise loss ``f(y_true, y_pred)`` for ``"mse"``, ``"mae"`` or a function: the
    trainers' ``loss`` argument (a ValueError for anything else)."""
    if callable(loss):
        return loss
    if loss == "mse":
        return lambda y_true, y_pred: tf.square(y_pred - y_true)
    if loss == "mae":
        return lambda y_true, y_pred: tf.abs(y_pred - y_true)
    raise ValueError(f"loss must be 'mse', 'mae' or a function, got loss={loss!r}")


def run_steps(
    variables: list,
    losses_fn: Callable,
    batch: Callable,
    *,
    steps: int,
    optimizer: keras.optimizers.Optimizer,
    progress: bool = False,
    callback: Callable | None = None,
    every: int | None = None,
    record: str = "all",
    jit_compile: bool | str = "auto",
    fused: bool = False,
    description: str = "training",
    first_step: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run up to ``steps`` optimizer steps of ``losses_fn`` on ``variables``, in compiled chunks.

    Args:
        variables: The trainable variables.
        losses_fn: ``losses_fn(weights, x, y, step) -> (data_loss, total_loss)``, where
            ``weights`` are the current values of ``variables``; the gradient is that of
            ``total_loss``, summed.
        batch: ``batch(step) -> (x, y)``, the data of each step.
        steps, optimizer, progress, jit_compile: as for :func:`nalu_lib.train`.
        callback: Called as ``callback(steps_done, recorded_losses)`` after each chunk;
            training stops early if it returns ``True``.
        every: Steps per chunk (default: about 50 chunks when there is a progress bar or a
            callback, else one chunk).
        record: ``"all"`` keeps the data loss of every step, ``"last"`` only of each chunk's
            last step (for runs of millions of steps).
        fused: With a plain Adam (:func:`~nalu_lib.engine.optimizers.fused_adam`), apply
            Keras's Adam update inside the loop on values written back after each chunk
            (``losses_fn`` must then compute from ``weights``, not from the variables); Keras's
            optimizer otherwise. Either way Adam's state stays in ``optimizer.variables``, so
            ``save_own_variables`` and ``load_own_variables`` save and restore it.
        description: The progress bar's label.
        first_step: Continue an earlier run: steps ``first_step`` to ``steps - 1`` run, with the
            data of those steps; restore the variables and the optimizer's state first.

    Returns:
        The recorded data losses, shape ``(n,) + data_loss.shape``, their step numbers, and the
        wall time of each graph call.

    No notebook calls it; :func:`nalu_lib.train` and :func:`nalu_lib.train_many` do (notebook 02
    shows why it is fast; ``docs/design.md``, "One compiled loop" and "Fused Adam").
    """
    steps = check_integer("steps", steps, minimum=1)
    first_step = check_integer("first_step", first_step, minimum=0)
    if first_step >= steps:
        raise ValueError(f"first_step must be below steps={steps}, got first_step={first_step}")
    if record not in ("all", "last"):
        raise ValueError(f"record must be 'all' or 'last', got record={record!r}")
    if jit_compile == "auto":
        jit_compile = steps >= XLA_MIN_STEPS
    elif not isinstance(jit_compile, bool):
        raise ValueError(f"jit_compile must be True, False or 'auto', got jit_compile={jit_compile!r}")
    if every is None:
        chunk = -(-steps // REPORTS) if (progress or callback is not None) else steps
    else:
        chunk = check_integer("every", every, minimum=1)
    adam = fused_adam(optimizer) if fused else None
    if optimizer.built and not _knows(optimizer, variables):
        raise ValueError(
            f"optimizer has already trained other weights: pass a new optimizer, got optimizer={optimizer!r}"
        )
    optimizer.build(variables)
    if adam is None:
        run = _keras_optimizer_loop(variables, losses_fn, batch, optimizer, record, jit_compile)
    else:
        run = _fused_adam_loop(variables, losses_fn, batch, optimizer, adam, record, jit_compile)

    # the chunks of the whole run (a resumed run reports where the uninterrupted one would)
    bounds = [first_step, *range(chunk * (first_step // chunk + 1), steps, chunk), steps]
    bar = None
    if progress:
        from nalu_lib.notebook.progress import ProgressBar

        bar = ProgressBar(total=steps - first_step, desc=description, unit="step")
    chunks, step_numbers, timings = [], [], []
    try:
        for start, stop in itertools.pairwise(bounds):
            began = time.perf_counter()
            chunks.append(run(tf.constant(start, tf.int32), int(stop - start)).numpy())
            timings.append(time.perf_counter() - began)
            step_numbers.append(np.arange(start, stop) if record == "all" else np.array([stop - 1]))
            if bar is not None:
                bar.update(stop - start)
            if callback is not None and callback(int(stop), np.concatenate(chunks)) is True:
                break
    finally:
        if bar is not None:
            bar.close()
    return np.concatenate(chunks), np.concatenate(step_numbers), np.asarray(timings)


def _knows(optimizer, variables) -> bool:
    """Whether a built optimizer holds state for every one of ``variables``."""
    try:
        for variable in variables:
            optimizer._get_variable_index(variable)
    except KeyError:
        return False
    return True


def _keras_optimizer_loop(variables, losses_fn, batch, optimizer, record, jit_compile) -> Callable:
    """``run(start, count)``: ``count`` steps with the Keras optimizer, as one graph call."""

    def one_step(step):
        xb, yb = batch(step)
        with tf.GradientTape() as tape:
            data_loss, total = losses_fn([tf.convert_to_tensor(v) for v in variables], xb, yb, step)
            objective = tf.reduce_sum(total)
        grads = tape.gradient(objective, variables)
        grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables, strict=True)]
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        return tf.cast(data_loss, tf.float32)

    # ``count`` is a Python int, so each chunk length is traced once.
    @tf.function(jit_compile=jit_compile)
    def run(start, count):
        if record == "last":
            last = one_step(start)
            for i in tf.range(1, count):
                last = one_step(start + i)
            return last[None]
        losses = tf.TensorArray(tf.float32, size=count)
        for i in tf.range(count):
            losses = losses.write(i, one_step(start + i))
        return losses.stack()

    return run


def _fused_adam_loop(variables, losses_fn, batch, optimizer, adam: dict, record, jit_compile) -> Callable:
    """``run(start, count)``: ``count`` Adam steps on values carried through one graph call.

    Keras's Adam, written out: ``m += (g - m)(1 - beta_1)``, ``v += (g^2 - v)(1 - beta_2)``,
    ``w -= alpha m / (sqrt(v) + epsilon)`` with ``alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)``
    at step ``t`` (counting from 1), then the weight's constraint. A learning-rate schedule is
    called, as Keras does, with the number of steps taken before this one.
    """
    lr, beta_1, beta_2, eps = adam["learning_rate"], adam["beta_1"], adam["beta_2"], adam["epsilon"]
    # the built optimizer's own moment variables, so that its saved state is the whole state
    moments = [optimizer._momentums[optimizer._get_variable_index(v)] for v in variables]
    velocities = [optimizer._velocities[optimizer._get_variable_index(v)] for v in variables]
    constraints = [getattr(v, "constraint", None) for v in variables]
    n = len(variables)

    @tf.function(jit_compile=jit_compile, autograph=False)
    def run(start, count):
        t0 = tf.cast(optimizer.iterations, tf.float32)

        def body(i, last, losses, *state):
            weights, ms, vs = list(state[:n]), list(state[n : 2 * n]), list(state[2 * n :])
            step = start + i
            xb, yb = batch(step)
            with tf.GradientTape() as tape:
                tape.watch(weights)
                data_loss, total = losses_fn(weights, xb, yb, step)
                objective = tf.reduce_sum(total)
            grads = tape.gradient(objective, weights)
            t = t0 + tf.cast(i, tf.float32) + 1.0
            rate = tf.cast(lr(t - 1.0), tf.float32) if callable(lr) else lr
            alpha = rate * tf.sqrt(1.0 - tf.pow(beta_2, t)) / (1.0 - tf.pow(beta_1, t))
            new_w, new_m, new_v = [], [], []
            for w, m, v, g, constraint in zip(weights, ms, vs, grads, constraints, strict=True):
                g = tf.zeros_like(w) if g is None else g
                m = m + (g - m) * (1.0 - beta_1)
                v = v + (tf.square(g) - v) * (1.0 - beta_2)
                w = w - (m * alpha) / (tf.sqrt(v) + eps)
                new_w.append(w if constraint is None else constraint(w))
                new_m.append(m)
                new_v.append(v)
            data_loss = tf.cast(data_loss, tf.float32)
            if record == "all":
                losses = losses.write(i, data_loss)
            return (i + 1, data_loss, losses, *new_w, *new_m, *new_v)

        state = [tf.convert_to_tensor(v) for v in (*variables, *moments, *velocities)]
        probe = tf.zeros_like(tf.cast(losses_fn(state[:n], *batch(start), start)[0], tf.float32))
        losses = tf.TensorArray(tf.float32, size=count if record == "all" else 1)
        out = tf.while_loop(lambda i, *_: i < count, body, (tf.constant(0), probe, losses, *state))
        _, last, losses, *state = out
        for variable, value in zip((*variables, *moments, *velocities), state, strict=True):
            variable.assign(value)
        optimizer.iterations.assign_add(tf.cast(count, optimizer.iterations.dtype))
        return losses.stack() if record == "all" else last[None]

    return run
