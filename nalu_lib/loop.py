"""The compiled training loop that :func:`nalu_lib.train` and :func:`nalu_lib.train_many` share.

A chunk of steps is one call of a ``tf.function`` (with XLA, one compiled computation): no
Python runs between steps, so a step costs tens of microseconds instead of the milliseconds of
a Python loop. Between chunks, Python reports progress, calls a callback, and may stop early.

Data reaches a step in one of two ways: mini-batches drawn from fixed arrays by a
counter-based hash of ``(data_seed, step)`` (:func:`minibatches`), or a *stream* that makes
fresh examples for every step inside the graph (any object with a ``batch(step)`` method and
an ``example`` array, such as :class:`nalu_lib.static_task.StaticTaskStream`).

Taught in notebook 02 (why ``train`` is faster than ``model.fit``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from nalu_lib.checks import check_integer, check_number

__all__ = [
    "DEFAULT_LEARNING_RATE",
    "DEFAULT_STEPS",
    "History",
    "as_float32",
    "check_xy",
    "default_optimizer",
    "fused_adam",
    "is_stream",
    "loss_function",
    "make_optimizer",
    "minibatches",
    "run_steps",
]

#: Default number of training steps: enough for the article's tasks with the default optimizer.
DEFAULT_STEPS = 2000
#: Default Adam learning rate, the article's.
DEFAULT_LEARNING_RATE = 0.05
#: How many times the progress bar or callback hears from a run unless told otherwise.
REPORTS = 50
#: With ``jit_compile="auto"``, runs of at least this many steps are compiled with XLA: XLA's
#: compilation costs about half a second, and pays for itself only on long runs.
XLA_MIN_STEPS = 5000


@dataclass
class History:
    """What :func:`nalu_lib.train` returns (and :func:`nalu_lib.train_many`, in its ensemble).

    Attributes:
        loss: Training loss before each recorded step, a numpy array of shape ``(n,)``
            (``(n, n_models)`` from :func:`nalu_lib.train_many`); every step unless the run
            recorded only the last step of each chunk.
        seconds: Wall time of the call, tracing and compilation included.
        chunk_seconds: Wall time of each graph call; the first includes tracing and
            compilation, the others are the training loop alone.
        steps: The step number of each entry of ``loss``.
    """

    loss: np.ndarray
    seconds: float
    chunk_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def final_loss(self):
        """The loss of the last recorded step (one value per model for :func:`nalu_lib.train_many`)."""
        return self.loss[-1]

    @property
    def steps_run(self) -> int:
        """How many optimizer steps the run made (fewer than asked if it stopped early)."""
        return int(self.steps[-1]) + 1 if len(self.steps) else 0


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


def as_float32(name: str, value, min_ndim: int = 1) -> np.ndarray:
    """``value`` as a float32 array with at least ``min_ndim`` axes, finite and not empty, or a
    ValueError naming ``name``."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers ({error})") from None
    if array.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} axes, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf)")
    return array


def check_xy(x, y, sample_axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets as float32 arrays with as many examples (along ``sample_axis``);
    targets of shape ``(n,)`` become ``(n, 1)``, so nothing broadcasts silently to ``(n, n)``."""
    x = as_float32("x", x, min_ndim=2 + sample_axis)
    y = as_float32("y", y, min_ndim=1 + sample_axis)
    if y.ndim == 1 + sample_axis:
        y = y[..., None]
    if x.shape[sample_axis] != y.shape[sample_axis]:
        raise ValueError(
            f"x and y must have the same number of examples, got {x.shape[sample_axis]} and "
            f"{y.shape[sample_axis]} (shapes {x.shape} and {y.shape})"
        )
    return x, y


def is_stream(x) -> bool:
    """Whether ``x`` is a data stream (a ``batch(step)`` method and an ``example`` array)."""
    return callable(getattr(x, "batch", None)) and hasattr(x, "example")


def loss_function(loss) -> Callable:
    """The elementwise loss ``f(y_true, y_pred)`` for ``"mse"``, ``"mae"`` or a function."""
    if callable(loss):
        return loss
    if loss == "mse":
        return lambda y_true, y_pred: tf.square(y_pred - y_true)
    if loss == "mae":
        return lambda y_true, y_pred: tf.abs(y_pred - y_true)
    raise ValueError(f"loss must be 'mse', 'mae' or a function, got loss={loss!r}")


_MASK32 = 0xFFFFFFFF


def _mix32(h):
    """MurmurHash3's 32-bit finalizer on int64 tensors holding 32-bit values."""
    shift, xor, mask = tf.bitwise.right_shift, tf.bitwise.bitwise_xor, tf.bitwise.bitwise_and
    h = xor(h, shift(h, tf.constant(16, tf.int64)))
    h = mask(h * 0x85EBCA6B, _MASK32)
    h = xor(h, shift(h, tf.constant(13, tf.int64)))
    h = mask(h * 0xC2B2AE35, _MASK32)
    return xor(h, shift(h, tf.constant(16, tf.int64)))


def batch_indices(data_seed: int, step, batch_size: int, n: int):
    """Mini-batch indices ``(batch_size,)`` in ``[0, n)``: a hash of (data_seed, step, slot).

    A counter-based hash instead of a random generator: the same on every machine, and the same
    for a model trained alone (:func:`nalu_lib.train`) or among others
    (:func:`nalu_lib.train_many`).
    """
    step = tf.cast(step, tf.int64)
    slot = tf.range(batch_size, dtype=tf.int64)
    xor, mask = tf.bitwise.bitwise_xor, tf.bitwise.bitwise_and
    h = _mix32(tf.constant((data_seed & _MASK32) ^ 0x9E3779B9, tf.int64))
    h = _mix32(xor(h, mask(step * 0x27D4EB2F, _MASK32)))
    h = _mix32(xor(h, mask(slot * 0x165667B1, _MASK32)))
    return tf.cast(h % n, tf.int32)


def minibatches(x: np.ndarray, y: np.ndarray, batch_size: int | None, data_seed: int, axis: int = 0) -> Callable:
    """``batch(step) -> (x_batch, y_batch)``: the whole data when ``batch_size`` is ``None``,
    else ``batch_size`` examples picked by :func:`batch_indices` along ``axis``."""
    x_all, y_all = tf.constant(x), tf.constant(y)
    n = x.shape[axis]

    def batch(step):
        if batch_size is None:
            return x_all, y_all
        index = batch_indices(data_seed, step, batch_size, n)
        return tf.gather(x_all, index, axis=axis), tf.gather(y_all, index, axis=axis)

    return batch


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
    """Run up to ``steps`` optimizer steps on ``losses_fn(weights, x, y, step) -> (data_loss,
    total_loss)``, where ``weights`` are the current values of ``variables``.

    Each step takes its data from ``batch(step)``. The steps run in chunks of ``every`` steps
    (default: about 50 chunks when there is a progress bar or a callback, else one chunk); after
    each chunk ``callback(steps_done, recorded_losses)`` is called, and training stops early if
    it returns ``True``. ``record="all"`` keeps the data loss of every step, ``"last"`` only of
    each chunk's last step (for runs of millions of steps).

    With ``fused=True`` and a plain Adam (:func:`fused_adam`), the weights and Adam's moments
    are carried through the compiled loop as values and written back to the variables after
    each chunk: the same update as Keras's Adam (and each variable's ``constraint`` after it),
    at about a third of the cost per step for small models (``losses_fn`` must then compute
    from ``weights``, not from the variables). Keras's optimizer is used otherwise. Either way
    Adam's state lives in the optimizer's own variables (``optimizer.variables``), so
    ``optimizer.save_own_variables`` and ``load_own_variables`` save and restore it.

    ``first_step`` continues an earlier run: steps ``first_step`` to ``steps - 1`` run, with the
    data of those steps; restore the variables and the optimizer's state first.

    Returns the recorded data losses, shape ``(n,) + data_loss.shape``, their step numbers, and
    the wall time of each graph call.
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
        from nalu_lib.progress import ProgressBar

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
