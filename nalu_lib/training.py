"""Fast, reproducible training: one model with :func:`train`, many seeds at once with
:func:`train_many`.

Both run the whole loop inside a compiled TensorFlow graph (``tf.function``, the step itself
compiled with XLA), so a step costs tens of microseconds instead of the milliseconds of a Python
loop. :func:`train_many` stacks the weights of one model per seed along a new first axis and
trains them as one batch: every seed keeps its own weights, gradients and Adam statistics, since
Adam works element by element, but the graph runs once per step for all of them.

Taught in notebook 02 (``train``) and notebooks 01 and 04 (``train_many``).
"""

from __future__ import annotations

import functools
import itertools
import numbers
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from nalu_lib.layers import batched_matmul, check_number

__all__ = ["Ensemble", "History", "default_optimizer", "train", "train_many"]

#: Default number of training steps: enough for the article's tasks with the default optimizer.
DEFAULT_STEPS = 2000
#: Default Adam learning rate, the article's.
DEFAULT_LEARNING_RATE = 0.05
#: How many times the progress bar or callback hears from a run.
_REPORTS = 50
#: With ``jit_compile="auto"``, runs of at least this many steps are compiled with XLA: XLA's
#: compilation costs about half a second, and pays for itself only on long runs.
_XLA_MIN_STEPS = 5000


@dataclass
class History:
    """What :func:`train` returns.

    Attributes:
        loss: Training loss before each step, a numpy array of shape ``(steps,)``
            (``(steps, n_models)`` from :func:`train_many`).
        seconds: Wall time of the call, tracing and compilation included.
        chunk_seconds: Wall time of each graph call (one per progress report); the first
            includes tracing and compilation, the others are the training loop alone.
    """

    loss: np.ndarray
    seconds: float
    chunk_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def final_loss(self):
        """The loss of the last step (one value per model for :func:`train_many`)."""
        return self.loss[-1]


@dataclass
class Ensemble:
    """What :func:`train_many` returns: one trained model per seed, trained together.

    Attributes:
        seeds: The seeds, in order.
        models: One Keras model per seed, holding its trained weights (built when first used).
        history: Loss per step and seed, shape ``(steps, n_seeds)``, and the wall time.
        initial_weights: The stacked weights before training, one array per weight.
    """

    seeds: list[int]
    history: History
    initial_weights: list[np.ndarray] = field(repr=False)
    _template: keras.Model = field(repr=False)
    _variables: list = field(repr=False)
    _sample: np.ndarray = field(repr=False)
    _forward: Callable = field(repr=False)

    @functools.cached_property
    def models(self) -> list[keras.Model]:
        """One Keras model per seed, holding its trained weights (built on first use)."""
        trained = [np.asarray(v) for v in self._variables]
        models = []
        for i in range(len(self.seeds)):
            model = keras.models.clone_model(self._template)
            if not model.built:
                model(self._sample)
            for weight, values in zip(model.trainable_weights, trained, strict=True):
                weight.assign(values[i])
            models.append(model)
        return models

    @property
    def weights(self) -> list[np.ndarray]:
        """The trained weights, one stacked array ``(n_seeds, ...)`` per weight of the model."""
        return [np.asarray(v) for v in self._variables]

    def predict(self, x, initial: bool = False) -> np.ndarray:
        """Every model's prediction for ``x``, shape ``(n_seeds, n, units)``, in one graph call.

        ``x`` is ``(n, input_dim)`` for the same inputs for every seed, or
        ``(n_seeds, n, input_dim)``. With ``initial=True``, the predictions of the models as
        they were before training (the random baseline of notebook 04).
        """
        x = _as_float32("x", x, min_ndim=2)
        weights = self.initial_weights if initial else None
        return np.asarray(self._forward(tf.constant(x), weights))

    @property
    def diverged(self) -> np.ndarray:
        """A boolean per seed: did its loss ever become NaN or infinite?"""
        return ~np.all(np.isfinite(self.history.loss), axis=0)


def default_optimizer(
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = DEFAULT_LEARNING_RATE,
) -> keras.optimizers.Optimizer:
    """Adam with ``beta_2 = 0.9`` and ``epsilon = 1e-20``, what :func:`train` uses unless told.

    Why not Keras's ``beta_2 = 0.999``: a NAC reaches exactly +1 or -1 only by saturating
    ``tanh`` and ``sigmoid``, so its gradients shrink exponentially as it converges. Adam divides
    each step by a running average of squared gradients that remembers about ``1 / (1 - beta_2)``
    steps; with 0.999 it keeps remembering the huge early gradients, the steps shrink to nothing,
    and training stalls a little short of the answer. That is why the article's NAC predicts
    1999.90 for 1000 + 1000 after 22000 steps. With 0.9 the memory is ten steps and the weights
    saturate in a few hundred. Notebook 02 shows both.

    Why ``epsilon = 1e-20`` instead of 1e-7: Adam's step is ``m / (sqrt(v) + epsilon)``. Near
    saturation a NAC's gradients fall far below 1e-7 (on inputs of size 1 they are about 1e-12
    when ``W`` is within 1e-6 of 1), and then epsilon, not the gradient, sets the step size:
    training stalls at ``W = 0.99999`` however long it runs. A tiny epsilon keeps the step at
    about the learning rate until ``W`` is exact in float32.
    """
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        check_number("learning_rate", learning_rate, positive=True)
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_2=0.9, epsilon=1e-20)


# --------------------------------------------------------------------------- checks


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got steps={steps!r}")
    return int(steps)


def _as_float32(name: str, value, min_ndim: int = 1) -> np.ndarray:
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


def _check_data(x, y, sample_axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    x = _as_float32("x", x, min_ndim=2 + sample_axis)
    y = _as_float32("y", y, min_ndim=1 + sample_axis)
    if y.ndim == 1 + sample_axis:
        y = y[..., None]  # targets of shape (n,) become (n, 1): no silent (n, n) broadcast
    if x.shape[sample_axis] != y.shape[sample_axis]:
        raise ValueError(
            f"x and y must have the same number of examples, got {x.shape[sample_axis]} and "
            f"{y.shape[sample_axis]} (shapes {x.shape} and {y.shape})"
        )
    return x, y


def _check_batch_size(batch_size, n: int) -> int | None:
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer or None, got batch_size={batch_size!r}")
    return int(min(batch_size, n))


def _check_data_seed(data_seed) -> int:
    if isinstance(data_seed, bool) or not isinstance(data_seed, numbers.Integral) or data_seed < 0:
        raise ValueError(f"data_seed must be a non-negative integer, got data_seed={data_seed!r}")
    return int(data_seed)


def _loss_function(loss) -> Callable:
    if callable(loss):
        return loss
    if loss == "mse":
        return lambda y_true, y_pred: tf.square(y_pred - y_true)
    if loss == "mae":
        return lambda y_true, y_pred: tf.abs(y_pred - y_true)
    raise ValueError(f"loss must be 'mse', 'mae' or a function, got loss={loss!r}")


def _optimizer(optimizer, learning_rate) -> keras.optimizers.Optimizer:
    learning_rate = check_number("learning_rate", learning_rate, positive=True)
    if optimizer is None:
        return default_optimizer(learning_rate)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        return keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})
    raise ValueError(f"optimizer must be None, a name or a keras optimizer, got optimizer={optimizer!r}")


# --------------------------------------------------------------------------- the shared loop


def _penalty_layers(layers) -> list:
    """Layers that carry a training penalty of their own (a ``penalty(*weights, step=)``)."""
    return [layer for layer in layers if callable(getattr(layer, "penalty", None))]


_MASK32 = 0xFFFFFFFF


def _mix32(h):
    """MurmurHash3's 32-bit finalizer on int64 tensors holding 32-bit values."""
    shift, xor, mask = tf.bitwise.right_shift, tf.bitwise.bitwise_xor, tf.bitwise.bitwise_and
    h = xor(h, shift(h, tf.constant(16, tf.int64)))
    h = mask(h * 0x85EBCA6B, _MASK32)
    h = xor(h, shift(h, tf.constant(13, tf.int64)))
    h = mask(h * 0xC2B2AE35, _MASK32)
    return xor(h, shift(h, tf.constant(16, tf.int64)))


def _batch_indices(data_seed: int, step, batch_size: int, n: int):
    """Mini-batch indices ``(batch_size,)`` in ``[0, n)``: a hash of (data_seed, step, slot).

    A counter-based hash instead of a random generator: the same on every machine, and the same
    for a model trained alone (:func:`train`) or among others (:func:`train_many`).
    """
    step = tf.cast(step, tf.int64)
    slot = tf.range(batch_size, dtype=tf.int64)
    xor, mask = tf.bitwise.bitwise_xor, tf.bitwise.bitwise_and
    h = _mix32(tf.constant((data_seed & _MASK32) ^ 0x9E3779B9, tf.int64))
    h = _mix32(xor(h, mask(step * 0x27D4EB2F, _MASK32)))
    h = _mix32(xor(h, mask(slot * 0x165667B1, _MASK32)))
    return tf.cast(h % n, tf.int32)


def _fit(
    variables: list,
    losses_fn: Callable,
    x: np.ndarray,
    y: np.ndarray,
    *,
    steps: int,
    optimizer: keras.optimizers.Optimizer,
    batch_size: int | None,
    data_seed: int,
    per_seed_data: bool = False,
    progress: bool,
    callback: Callable | None,
    jit_compile: bool | str,
    description: str,
) -> np.ndarray:
    """Run ``steps`` optimizer steps on ``losses_fn(x, y, step) -> (data_loss, total_loss)``.

    ``x`` and ``y`` hold the examples along their first axis, or, for per-seed data, along the
    second. With a ``batch_size``, each step draws a mini-batch from ``(data_seed, step)`` alone,
    so one model trained alone and the same model trained among others see the same batches.

    Returns the data loss before each step, shape ``(steps,) + data_loss.shape``, and the wall
    time of each graph call.
    """
    if jit_compile == "auto":
        jit_compile = steps >= _XLA_MIN_STEPS
    elif not isinstance(jit_compile, bool):
        raise ValueError(f"jit_compile must be True, False or 'auto', got jit_compile={jit_compile!r}")
    optimizer.build(variables)
    x_all = tf.constant(x)
    y_all = tf.constant(y)
    n = x.shape[1 if per_seed_data else 0]

    def batch(step):
        if batch_size is None:
            return x_all, y_all
        index = _batch_indices(data_seed, step, batch_size, n)
        axis = 1 if per_seed_data else 0
        return tf.gather(x_all, index, axis=axis), tf.gather(y_all, index, axis=axis)

    def one_step(step, xb, yb):
        with tf.GradientTape() as tape:
            data_loss, total = losses_fn(xb, yb, step)
            objective = tf.reduce_sum(total)
        grads = tape.gradient(objective, variables)
        grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables, strict=True)]
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        return data_loss

    # A chunk of steps is one graph call (with XLA, one compiled computation): no Python
    # between steps. ``count`` is a Python int, so each chunk length is traced once.
    @tf.function(jit_compile=jit_compile)
    def run(start, count):
        record = tf.TensorArray(tf.float32, size=count)
        for i in tf.range(count):
            step = start + i
            xb, yb = batch(step)
            record = record.write(i, tf.cast(one_step(step, xb, yb), tf.float32))
        return record.stack()

    reports = _REPORTS if (progress or callback is not None) else 1
    chunk = -(-steps // reports)
    bounds = [*range(0, steps, chunk), steps]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc=description, unit="step")
    chunks, timings = [], []
    try:
        for start, stop in itertools.pairwise(bounds):
            began = time.perf_counter()
            chunks.append(run(tf.constant(start, tf.int32), int(stop - start)).numpy())
            timings.append(time.perf_counter() - began)
            if bar is not None:
                bar.update(stop - start)
                bar.set_postfix(loss=f"{np.nanmean(chunks[-1][-1]):.3g}")
            if callback is not None:
                callback(int(stop), np.concatenate(chunks))
    finally:
        if bar is not None:
            bar.close()
    return np.concatenate(chunks), np.asarray(timings)


# --------------------------------------------------------------------------- one model


def _reseed_initializers(model: keras.layers.Layer, built_too: bool = False) -> None:
    """Give the unseeded random initializers of unbuilt layers seeds drawn now.

    A Keras initializer created without a seed draws one from Python's ``random`` when it is
    *created*, so ``NAC(1)`` made before ``set_random_seed`` would ignore the seed. Drawing again
    after seeding makes the initial weights depend on the seed alone.
    """
    for layer in model._flatten_layers(include_self=True):
        if layer.built and not built_too:
            continue
        for value in vars(layer).values():
            if isinstance(value, keras.initializers.Initializer) and getattr(value, "_init_seed", 0) is None:
                value.seed = random.randint(1, int(1e9))


def _seeded_model(model, x: np.ndarray, seed: int | None, y_width: int | None = None) -> keras.Model:
    """Build (or take) the model, its initial weights a function of ``seed`` alone."""
    if not isinstance(model, keras.layers.Layer):
        if not callable(model):
            raise ValueError(f"model must be a Keras model or a function that builds one, got {model!r}")
        if seed is not None:
            keras.utils.set_random_seed(seed)
        model = model()
        if not isinstance(model, keras.layers.Layer):
            raise ValueError(f"the model-building function returned {model!r}, not a Keras model")
    if seed is not None:
        keras.utils.set_random_seed(seed)
        _reseed_initializers(model)
    if not model.built:
        model(x[:1])
    if not model.trainable_variables:
        raise ValueError("model has no trainable weights")
    width = model(x[:1]).shape[-1]
    if y_width is not None and width != y_width:
        raise ValueError(
            f"the model has {width} output(s) per example but y has {y_width} column(s): shapes must match"
        )
    return model


def train(
    model,
    x,
    y,
    *,
    steps: int = DEFAULT_STEPS,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    seed: int | None = None,
    batch_size: int | None = None,
    data_seed: int = 0,
    optimizer=None,
    loss="mse",
    progress: bool = False,
    callback: Callable[[int, np.ndarray], None] | None = None,
    jit_compile: bool | str = "auto",
) -> History:
    """Train a Keras model on ``(x, y)`` and return its :class:`History`.

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
        learning_rate: Learning rate of the default optimizer.
        seed: Seeds Python, numpy, TensorFlow and Keras first (``keras.utils.set_random_seed``):
            the same seed and the same unbuilt model give the same result.
        batch_size: ``None`` for full-batch training, or the size of random mini-batches.
        data_seed: Seeds the order of the mini-batches, apart from ``seed``, so that a model
            sees the same batches whether it is trained alone or with other seeds.
        optimizer: ``None`` for :func:`default_optimizer`, a Keras optimizer, or its name.
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
    steps = _check_steps(steps)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ValueError(f"seed must be None or a non-negative integer, got seed={seed!r}")
    x, y = _check_data(x, y)
    batch_size = _check_batch_size(batch_size, len(x))
    data_seed = _check_data_seed(data_seed)
    loss_fn = _loss_function(loss)
    model = _seeded_model(model, x, seed, y.shape[-1])
    optimizer = _optimizer(optimizer, learning_rate)
    variables = list(model.trainable_variables)
    penalties = _penalty_layers(model._flatten_layers(include_self=True))

    def losses_fn(xb, yb, step):
        prediction = model(xb, training=True)
        data_loss = tf.reduce_mean(loss_fn(yb, tf.cast(prediction, yb.dtype)))
        total = data_loss
        for layer in penalties:
            total = total + tf.cast(layer.penalty(*layer.trainable_weights, step=step), total.dtype)
        if model.losses:
            total = total + tf.add_n([tf.cast(extra, total.dtype) for extra in model.losses])
        return data_loss, total

    start = time.perf_counter()
    loss_history, chunk_seconds = _fit(
        variables,
        losses_fn,
        x,
        y,
        steps=steps,
        optimizer=optimizer,
        batch_size=batch_size,
        data_seed=data_seed,
        progress=progress,
        callback=callback,
        jit_compile=jit_compile,
        description=f"training {model.name}",
    )
    history = History(loss=loss_history, seconds=time.perf_counter() - start, chunk_seconds=chunk_seconds)
    if not np.all(np.isfinite(loss_history)):
        first = int(np.argmin(np.isfinite(loss_history)))
        raise FloatingPointError(
            f"training diverged: the loss became {loss_history[first]} at step {first}; "
            f"try a smaller learning_rate (it was {learning_rate})"
        )
    return history


# --------------------------------------------------------------------------- many seeds


def _dense_forward(layer: keras.layers.Dense):
    def forward(x, kernel, bias=None):
        h = batched_matmul(x, kernel)
        if bias is not None:
            h = h + tf.expand_dims(bias, -2)
        return layer.activation(h)

    return forward


def _weight_initializers(layer) -> list:
    """The initializer of each of ``layer``'s trainable weights, in order."""
    if hasattr(layer, "_weight_specs"):
        inits = [getattr(layer, attr) for _, attr in layer._weight_specs]
    elif isinstance(layer, keras.layers.Dense):
        inits = [layer.kernel_initializer] + ([layer.bias_initializer] if layer.use_bias else [])
    elif not layer.trainable_weights:
        inits = []
    else:
        raise ValueError(f"train_many cannot initialise the weights of a {type(layer).__name__} layer")
    if len(inits) != len(layer.trainable_weights):
        raise ValueError(f"train_many cannot match the weights of {layer.name!r} to their initializers")
    return inits


def _batched_forward(layer):
    """A function ``f(x, *stacked_weights)`` that runs ``layer`` for every seed at once."""
    if callable(getattr(layer, "forward", None)):
        return layer.forward
    if isinstance(layer, keras.layers.Dense):
        return _dense_forward(layer)
    if isinstance(layer, keras.layers.Activation):
        return lambda x: layer.activation(x)
    if isinstance(layer, keras.layers.InputLayer):
        return lambda x: x
    raise ValueError(
        f"train_many can batch Sequential models of nalu_lib layers, Dense and Activation layers; "
        f"got a {type(layer).__name__} layer ({layer.name!r})"
    )


def train_many(
    build_model: Callable[[], keras.Model],
    x,
    y,
    *,
    seeds: int | Iterable[int] = 10,
    steps: int = DEFAULT_STEPS,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    batch_size: int | None = None,
    data_seed: int = 0,
    optimizer=None,
    loss="mse",
    progress: bool = False,
    callback: Callable[[int, np.ndarray], None] | None = None,
    jit_compile: bool | str = "auto",
) -> Ensemble:
    """Train one model per seed, all at once in one compiled graph, and return an :class:`Ensemble`.

    For each seed, ``keras.utils.set_random_seed(seed)`` and then ``build_model()`` give the same
    initial weights as a :func:`train` run with that seed; the weights of all seeds are then
    stacked (a leading axis of length ``n_seeds``) and trained together: each seed has its own
    loss, gradients and Adam statistics, as if trained alone (the same run up to floating-point
    rounding, whose differences can grow in chaotic runs such as the NALU's). Taught in notebooks 01
    and 04; ``benchmarks/seed_batching.py`` measures the speed-up.

    Args:
        build_model: A function that returns a ``keras.Sequential`` of nalu_lib layers, ``Dense``
            and ``Activation`` layers.
        x: Inputs, ``(n, input_dim)`` shared by every seed, or ``(n_seeds, n, input_dim)``.
        y: Targets, ``(n, units)``/``(n,)``, or ``(n_seeds, n, units)``.
        seeds: The seeds, or how many (``10`` means seeds 0 to 9).
        steps, learning_rate, batch_size, data_seed, optimizer, loss, progress, callback,
            jit_compile: as for :func:`train`. Every seed sees the same mini-batches, those of
            ``data_seed``: the models differ only in their initial weights, and training them
            together costs little more than training one wide model.

    A seed whose loss becomes NaN does not stop the others: see :attr:`Ensemble.diverged`.
    """
    steps = _check_steps(steps)
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds <= 0:
            raise ValueError(f"seeds must be a positive count or a list of seeds, got seeds={seeds!r}")
        seeds = list(range(int(seeds)))
    else:
        seeds = list(seeds) if isinstance(seeds, Iterable) else seeds
        if not isinstance(seeds, list) or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in seeds
        ):
            raise ValueError(f"seeds must be a count or a list of non-negative integers, got seeds={seeds!r}")
        seeds = [int(s) for s in seeds]
        if not seeds:
            raise ValueError("seeds is empty")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct, got seeds={seeds!r}")
    if not callable(build_model):
        raise ValueError(f"build_model must be a function that returns a model, got {build_model!r}")
    x_arr = _as_float32("x", x, min_ndim=2)
    per_seed = x_arr.ndim == 3
    x, y = _check_data(x_arr, y, sample_axis=1 if per_seed else 0)
    if per_seed and (x.shape[0] != len(seeds) or y.shape[0] != len(seeds)):
        raise ValueError(
            f"per-seed data must have one slice per seed: {len(seeds)} seeds, but x has shape "
            f"{x.shape} and y has shape {y.shape}"
        )
    batch_size = _check_batch_size(batch_size, x.shape[1 if per_seed else 0])
    data_seed = _check_data_seed(data_seed)
    loss_fn = _loss_function(loss)
    optimizer = _optimizer(optimizer, learning_rate)

    sample = x[0, :1] if per_seed else x[:1]
    template = _seeded_model(build_model, sample, seeds[0], y.shape[-1])
    if not isinstance(template, keras.Sequential):
        raise ValueError(f"build_model must return a keras.Sequential model, got a {type(template).__name__}")
    if template.losses:
        raise ValueError("train_many does not support layers with Keras regularizers (model.losses); use train()")
    layers = [layer for layer in template.layers if not isinstance(layer, keras.layers.InputLayer)]
    forwards = [_batched_forward(layer) for layer in layers]
    penalty_of = {id(layer) for layer in _penalty_layers(layers)}
    initializers = [_weight_initializers(layer) for layer in layers]

    # Each seed's initial weights, drawn exactly as train() would draw them for that seed:
    # seed, reseed the initializers in the same order, call them. Much faster than building a
    # Keras model per seed.
    initial = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        _reseed_initializers(template, built_too=True)
        initial.append(
            [
                np.asarray(init(tuple(w.shape), dtype=w.dtype))
                for layer, inits in zip(layers, initializers, strict=True)
                for init, w in zip(inits, layer.trainable_weights, strict=True)
            ]
        )
    initial_weights = [np.stack(values) for values in zip(*initial, strict=True)]
    template_vars = [w for layer in layers for w in layer.trainable_weights]
    flat = [
        keras.Variable(values, name=f"{w.name}_stacked")
        for values, w in zip(initial_weights, template_vars, strict=True)
    ]
    for variable, w in zip(flat, template_vars, strict=True):
        variable.constraint = w.constraint  # keras.Variable(constraint=...) is ignored (Keras 3.15)
    stacked, position = [], 0  # per layer, its keras.Variables of shape (n_seeds, ...)
    for layer in layers:
        stacked.append(flat[position : position + len(layer.trainable_weights)])
        position += len(layer.trainable_weights)
    variables = flat

    def forward(inputs, weights=None):
        """Every seed's prediction; ``weights`` (one array per layer weight) default to the
        variables being trained."""
        h = inputs  # (n, input_dim) shared by all seeds, or (seeds, n, input_dim)
        position = 0
        for layer_forward, layer_vars in zip(forwards, stacked, strict=True):
            if weights is None:
                values = [tf.convert_to_tensor(v) for v in layer_vars]
            else:
                values = [tf.convert_to_tensor(w) for w in weights[position : position + len(layer_vars)]]
            position += len(layer_vars)
            h = layer_forward(h, *values)
        return h

    def losses_fn(xb, yb, step):
        prediction = forward(xb)
        target = yb if len(yb.shape) == 3 else tf.expand_dims(yb, 0)
        elementwise = loss_fn(target, tf.cast(prediction, target.dtype))
        axes = list(range(1, len(elementwise.shape)))
        data_loss = tf.reduce_mean(elementwise, axis=axes)
        total = data_loss
        for layer, layer_vars in zip(layers, stacked, strict=True):
            if id(layer) in penalty_of:
                total = total + tf.cast(
                    layer.penalty(*[tf.convert_to_tensor(v) for v in layer_vars], step=step), total.dtype
                )
        return data_loss, total

    start = time.perf_counter()
    loss_history, chunk_seconds = _fit(
        variables,
        losses_fn,
        x,
        y,
        steps=steps,
        optimizer=optimizer,
        batch_size=batch_size,
        data_seed=data_seed,
        per_seed_data=per_seed,
        progress=progress,
        callback=callback,
        jit_compile=jit_compile,
        description=f"training {len(seeds)} seeds",
    )
    seconds = time.perf_counter() - start

    return Ensemble(
        seeds=seeds,
        history=History(loss=loss_history, seconds=seconds, chunk_seconds=chunk_seconds),
        initial_weights=initial_weights,
        _template=template,
        _variables=variables,
        _sample=sample,
        _forward=tf.function(forward),
    )
