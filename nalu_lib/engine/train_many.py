"""Many seeds at once: :func:`train_many` trains one model per seed in one compiled graph.

The weights of all seeds are stacked along a new first axis and trained together, each seed with
its own gradients and Adam statistics (why this is fast, and why it is the same as training each
seed alone: ``docs/design.md``, "Many seeds in one graph"). Taught in notebooks 01 and 04;
notebooks 03 and 05 use it too. ``benchmarks/seed_batching.py`` measures the speed-up and
``benchmarks/static_task_table.py`` trains 100 seeds for millions of steps with it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from nalu_lib.checks import check_integer, check_seeds
from nalu_lib.engine.batches import as_float32, check_xy, is_stream, minibatches
from nalu_lib.engine.loop import DEFAULT_STEPS, TrainLog, loss_function, run_steps
from nalu_lib.engine.optimizers import make_optimizer
from nalu_lib.engine.seeding import reseed_initializers, seeded_model
from nalu_lib.units.base import ArithmeticUnit, batched_matmul

__all__ = ["Ensemble", "train_many"]


@dataclass
class Ensemble:
    """What :func:`train_many` returns: one trained model per seed, trained together.

    Attributes:
        seeds: The seeds, in order.
        history: Loss per recorded step and seed, shape ``(n, n_seeds)``, and the wall time.
        initial_weights: The stacked weights before training, one array per weight.
        models: One Keras model per seed, holding its trained weights (built when first used).
        optimizer: The optimizer, holding Adam's state after the last step.

    Notebooks 01, 03 and 05 use it (:meth:`predict`, ``history``, :attr:`models`,
    :meth:`layer_weights`).
    """

    seeds: list[int]
    history: TrainLog | None
    initial_weights: list[np.ndarray] = field(repr=False)
    _template: keras.Model = field(repr=False)
    _variables: list = field(repr=False)
    _sample: np.ndarray = field(repr=False)
    _forward: Callable = field(repr=False)
    optimizer: keras.optimizers.Optimizer | None = field(default=None, repr=False)

    def state(self) -> dict:
        """What :func:`train_many` needs to continue this run where it stopped (its ``resume``):
        ``{"step": steps run, "weights": [stacked arrays], "optimizer": {name: array}}``, plain
        numpy arrays that ``np.savez`` can save. The continued run is the uninterrupted one.
        No notebook calls it; :func:`~nalu_lib.tasks.static_task.runner.run_cell` checkpoints with it."""
        store: dict[str, np.ndarray] = {}
        self.optimizer.save_own_variables(store)
        return {"step": self.history.steps_run, "weights": self.weights, "optimizer": store}

    @functools.cached_property
    def models(self) -> list[keras.Model]:
        """One Keras model per seed, holding its trained weights (built on first use); notebooks
        03 and 05 use them."""
        trained = self.weights
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
    def layers(self) -> list[keras.layers.Layer]:
        """The layers of the model every seed shares (those of the first seed's model), in the
        order of :meth:`layer_weights`; no notebook reads them."""
        return [layer for layer in self._template.layers if not isinstance(layer, keras.layers.InputLayer)]

    @property
    def weights(self) -> list[np.ndarray]:
        """The current weights, one stacked array ``(n_seeds, ...)`` per weight of the model
        (notebook 03 reads them by layer, with :meth:`layer_weights`)."""
        return [np.asarray(v) for v in self._variables]

    def layer_weights(self, initial: bool = False) -> list[list[np.ndarray]]:
        """The stacked weights grouped by layer: one list per layer of :attr:`layers`; with
        ``initial``, the weights before training. Notebook 03 uses it."""
        flat = self.initial_weights if initial else self.weights
        grouped, position = [], 0
        for layer in self.layers:
            count = len(layer.trainable_weights)
            grouped.append(flat[position : position + count])
            position += count
        return grouped

    def predict(self, x, initial: bool = False) -> np.ndarray:
        """Every model's prediction for ``x``, shape ``(n_seeds, n, units)``, in one graph call.

        ``x`` is ``(n, input_dim)`` for the same inputs for every seed, or
        ``(n_seeds, n, input_dim)``. With ``initial=True``, the predictions of the models as
        they were before training (the random baseline of notebook 04's scaled error).
        Notebook 01 calls it; notebooks 04 and 05 through
        :func:`~nalu_lib.tasks.static_task.benchmark.run`.
        """
        x = as_float32("x", x, min_ndim=2)
        weights = self.initial_weights if initial else None
        return np.asarray(self._forward(tf.constant(x), weights))

    @property
    def diverged(self) -> np.ndarray:
        """A boolean per seed: did its loss ever become NaN or infinite? (No notebook reads it.)"""
        return ~np.all(np.isfinite(self.history.loss), axis=0)


# --------------------------------------------------------------------------- the named steps


def _dense_forward(layer: keras.layers.Dense) -> Callable:
    def forward(x, kernel, bias=None):
        h = batched_matmul(x, kernel)
        if bias is not None:
            h = h + tf.expand_dims(bias, -2)
        return layer.activation(h)

    return forward


def _batched_forward(layer) -> Callable:
    """A function ``f(x, *stacked_weights)`` that runs ``layer`` for every seed at once."""
    if isinstance(layer, ArithmeticUnit):
        return layer.compute
    if isinstance(layer, keras.layers.Dense):
        return _dense_forward(layer)
    if isinstance(layer, keras.layers.Activation):
        return lambda x: layer.activation(x)
    raise ValueError(
        f"train_many can batch Sequential models of nalu_lib layers, Dense and Activation layers; "
        f"got a {type(layer).__name__} layer ({layer.name!r})"
    )


def _weight_initializers(layer) -> list:
    """The initializer of each of ``layer``'s trainable weights, in order."""
    if isinstance(layer, ArithmeticUnit):
        inits = layer.weight_initializers()
    elif isinstance(layer, keras.layers.Dense):
        inits = [layer.kernel_initializer] + ([layer.bias_initializer] if layer.use_bias else [])
    elif not layer.trainable_weights:
        inits = []
    else:
        raise ValueError(f"train_many cannot initialise the weights of a {type(layer).__name__} layer")
    if len(inits) != len(layer.trainable_weights):
        raise ValueError(f"train_many cannot match the weights of {layer.name!r} to their initializers")
    return inits


def _data(x, y, seeds: list[int], batch_size, data_seed) -> tuple[Callable, np.ndarray, int | None]:
    """The data of a run: ``batch(step)``, one example input to build on, and the target width."""
    if is_stream(x):
        if y is not None:
            raise ValueError("with a data stream as x, leave y=None: the stream makes the targets")
        if batch_size is not None:
            raise ValueError("with a data stream as x, leave batch_size=None: the stream sets it")
        return x.batch, np.asarray(x.example, dtype=np.float32)[:1], None
    x_arr = as_float32("x", x, min_ndim=2)
    per_seed = x_arr.ndim == 3
    x, y = check_xy(x_arr, y, sample_axis=1 if per_seed else 0)
    if per_seed and (x.shape[0] != len(seeds) or y.shape[0] != len(seeds)):
        raise ValueError(
            f"per-seed data must have one slice per seed: {len(seeds)} seeds, but x has shape "
            f"{x.shape} and y has shape {y.shape}"
        )
    batch_size = check_integer("batch_size", batch_size, minimum=1, allow_none=True)
    n = x.shape[1 if per_seed else 0]
    batch_size = None if batch_size is None else min(batch_size, n)
    batch = minibatches(x, y, batch_size, data_seed, axis=1 if per_seed else 0)
    return batch, (x[0, :1] if per_seed else x[:1]), y.shape[-1]


def _template(build_model, sample: np.ndarray, seed: int, y_width: int | None) -> keras.Sequential:
    if not callable(build_model) or isinstance(build_model, keras.layers.Layer):
        raise ValueError(f"build_model must be a function that returns a model, got {build_model!r}")
    template = seeded_model(build_model, sample, seed, y_width)
    if not isinstance(template, keras.Sequential):
        raise ValueError(f"build_model must return a keras.Sequential model, got a {type(template).__name__}")
    extra = [loss for layer in template.layers if not isinstance(layer, ArithmeticUnit) for loss in layer.losses]
    extra += [layer for layer in template.layers if getattr(layer, "activity_regularizer", None) is not None]
    if extra:
        raise ValueError("train_many does not support layers with Keras regularizers (model.losses); use train()")
    return template


def _initial_weights(template: keras.Sequential, layers: list, seeds: list[int]) -> list[np.ndarray]:
    """Each seed's initial weights, stacked: one array ``(n_seeds, ...)`` per weight.

    Drawn exactly as :func:`nalu_lib.train` would draw them for that seed (seed, reseed the
    initializers in the same order, call them), much faster than building a model per seed.
    """
    initializers = [_weight_initializers(layer) for layer in layers]
    per_seed = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        reseed_initializers(template, built_too=True)
        per_seed.append(
            [
                np.asarray(init(tuple(w.shape), dtype=w.dtype))
                for layer, inits in zip(layers, initializers, strict=True)
                for init, w in zip(inits, layer.trainable_weights, strict=True)
            ]
        )
    return [np.stack(values) for values in zip(*per_seed, strict=True)]


def _stacked_variables(layers: list, initial_weights: list[np.ndarray]) -> list[list]:
    """One list per layer of its stacked ``keras.Variable``s, with the layer's constraints."""
    grouped, position = [], 0
    for layer in layers:
        variables = []
        for w in layer.trainable_weights:
            variable = keras.Variable(initial_weights[position], name=f"{w.name}_stacked")
            variable.constraint = w.constraint  # keras.Variable(constraint=...) is ignored (Keras 3.15)
            variables.append(variable)
            position += 1
        grouped.append(variables)
    return grouped


def _ensemble_forward(layers: list, grouped: list[list]) -> Callable:
    forwards = [_batched_forward(layer) for layer in layers]

    def forward(inputs, weights=None):
        """Every seed's prediction; ``weights`` (one array per weight) default to the variables."""
        h, position = inputs, 0
        for layer_forward, variables in zip(forwards, grouped, strict=True):
            if weights is None:
                values = [tf.convert_to_tensor(v) for v in variables]
            else:
                values = [tf.convert_to_tensor(w) for w in weights[position : position + len(variables)]]
            position += len(variables)
            h = layer_forward(h, *values)
        return h

    return forward


def _ensemble_losses(forward: Callable, layers: list, loss_fn: Callable) -> Callable:
    """``losses_fn(weights, x, y, step)``: every seed's data loss, and with its penalties."""
    penalized, position = [], 0
    for layer in layers:
        count = len(layer.trainable_weights)
        if isinstance(layer, ArithmeticUnit):
            penalized.append((layer, position, count))
        position += count

    def losses_fn(weights, xb, yb, step):
        prediction = forward(xb, weights)
        target = yb if len(yb.shape) == 3 else tf.expand_dims(yb, 0)
        elementwise = loss_fn(target, tf.cast(prediction, target.dtype))
        data_loss = tf.reduce_mean(elementwise, axis=list(range(1, len(elementwise.shape))))
        total = data_loss
        for layer, start, count in penalized:
            penalty = layer.penalty(*weights[start : start + count], step=step)
            if penalty is not None:
                total = total + tf.cast(penalty, total.dtype)
        return data_loss, total

    return losses_fn


def _check_resume(resume: dict, initial_weights: list[np.ndarray], steps: int) -> int:
    """The first step of a resumed run, after checking that ``resume`` fits this run."""
    if not isinstance(resume, dict) or not {"step", "weights", "optimizer"} <= set(resume):
        raise ValueError("resume must be an Ensemble.state() dict with 'step', 'weights' and 'optimizer'")
    step = resume["step"]
    first_step = check_integer("resume['step']", step.item() if isinstance(step, np.ndarray) else step, minimum=0)
    if first_step >= steps:
        raise ValueError(f"resume['step'] must be below steps={steps}, got {first_step}: nothing is left to run")
    shapes = [np.shape(w) for w in resume["weights"]]
    expected = [w.shape for w in initial_weights]
    if shapes != expected:
        raise ValueError(f"resume['weights'] must have the shapes {expected} of this model and seeds, got {shapes}")
    return first_step


def _load_optimizer(optimizer: keras.optimizers.Optimizer, store: dict) -> None:
    """Restore a saved optimizer state, or a ValueError if it has another number of variables
    (Keras only warns; the variables' shapes follow the weights, checked by :func:`_check_resume`)."""
    if len(store) != len(optimizer.variables):
        raise ValueError(
            f"resume['optimizer'] holds {len(store)} variables, but this optimizer has {len(optimizer.variables)}: "
            "resume with an optimizer of the same kind"
        )
    optimizer.load_own_variables(store)


def train_many(
    build_model: Callable[[], keras.Model],
    x,
    y=None,
    *,
    seeds: int | Iterable[int] = 10,
    steps: int = DEFAULT_STEPS,
    learning_rate: float | None = None,
    batch_size: int | None = None,
    data_seed: int = 0,
    optimizer=None,
    loss="mse",
    progress: bool = False,
    callback: Callable[[int, np.ndarray], None] | None = None,
    monitor: Callable[[int, Ensemble], bool | None] | None = None,
    every: int | None = None,
    record: str = "all",
    jit_compile: bool | str = "auto",
    resume: dict | None = None,
) -> Ensemble:
    """Train one model per seed, all at once in one compiled graph, and return an :class:`Ensemble`.

    For each seed, ``keras.utils.set_random_seed(seed)`` and then ``build_model()`` give the same
    initial weights as a :func:`nalu_lib.train` run with that seed; the weights of all seeds are
    then stacked and trained together: each seed has its own loss, gradients and Adam
    statistics, as if trained alone (the same run up to floating-point rounding, whose
    differences can grow in chaotic runs such as the NALU's). Taught in notebooks 01 and 04;
    notebook 03 uses it.

    Args:
        build_model: A function that returns a ``keras.Sequential`` of nalu_lib layers, ``Dense``
            and ``Activation`` layers.
        x: Inputs, ``(n, input_dim)`` shared by every seed, or ``(n_seeds, n, input_dim)``; or a
            data stream that makes fresh examples for every step (then ``y=None``), such as
            :class:`nalu_lib.tasks.static_task.stream.StaticTaskStream`.
        y: Targets, ``(n, units)``/``(n,)``, or ``(n_seeds, n, units)``.
        seeds: The seeds, or how many (``10`` means seeds 0 to 9).
        steps, learning_rate, batch_size, data_seed, optimizer, loss, progress, callback,
            jit_compile: as for :func:`nalu_lib.train`. Every seed sees the same mini-batches,
            those of ``data_seed``: the models differ only in their initial weights.
        monitor: Called as ``monitor(steps_done, ensemble)`` after every chunk of ``every``
            steps, with the weights as they are then (evaluate, record, print); training stops
            early when it returns ``True``.
        every: Steps per chunk (default: about 50 chunks with a progress bar or callback).
        record: ``"all"`` keeps every step's loss; ``"last"`` only each chunk's last, for runs
            of millions of steps.
        resume: An earlier run's :meth:`Ensemble.state`, to continue it from its last step to
            ``steps`` with the same seeds, model, data and a new optimizer of the same kind,
            whose state (step count, moments, and a constant learning rate) it takes from
            ``resume``: a run of millions of steps in parts (``benchmarks/static_task_table.py``).

    A seed whose loss becomes NaN does not stop the others: see :attr:`Ensemble.diverged`.
    """
    seeds = check_seeds(seeds)
    steps = check_integer("steps", steps, minimum=1)
    data_seed = check_integer("data_seed", data_seed, minimum=0)
    batch, sample, y_width = _data(x, y, seeds, batch_size, data_seed)
    loss_fn = loss_function(loss)
    optimizer = make_optimizer(optimizer, learning_rate)

    template = _template(build_model, sample, seeds[0], y_width)
    layers = [layer for layer in template.layers if not isinstance(layer, keras.layers.InputLayer)]
    initial_weights = _initial_weights(template, layers, seeds)
    first_step = 0
    if resume is not None:
        first_step = _check_resume(resume, initial_weights, steps)
    grouped = _stacked_variables(layers, initial_weights if resume is None else resume["weights"])
    forward = _ensemble_forward(layers, grouped)
    variables = [v for layer_variables in grouped for v in layer_variables]
    ensemble = Ensemble(
        seeds=seeds,
        history=None,
        initial_weights=initial_weights,
        _template=template,
        _variables=variables,
        _sample=sample,
        _forward=tf.function(forward, autograph=False),
        optimizer=optimizer,
    )
    if resume is not None:
        optimizer.build(variables)
        _load_optimizer(optimizer, resume["optimizer"])

    def on_chunk(done: int, losses: np.ndarray):
        stop = callback(done, losses) if callback is not None else None
        if monitor is not None:
            stop = monitor(done, ensemble) or stop
        return stop is True

    start = time.perf_counter()
    loss_history, steps_done, chunk_seconds = run_steps(
        variables,
        _ensemble_losses(forward, layers, loss_fn),
        batch,
        steps=steps,
        optimizer=optimizer,
        progress=progress,
        callback=on_chunk if (callback is not None or monitor is not None) else None,
        every=every,
        record=record,
        jit_compile=jit_compile,
        fused=True,
        description=f"training {len(seeds)} seeds",
        first_step=first_step,
    )
    ensemble.history = TrainLog(
        loss=loss_history, seconds=time.perf_counter() - start, chunk_seconds=chunk_seconds, steps=steps_done
    )
    return ensemble
