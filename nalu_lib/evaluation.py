"""Errors and tables: how the notebooks and benchmarks judge a trained model.

Taught in notebooks 02 and 03 (relative errors, the article's table of actual against
predicted values) and 04 and 05 (the paper's scaled error, the success criterion and its
confidence interval, the benchmark's table).
"""

from __future__ import annotations

import keras
import numpy as np
from scipy.stats import binomtest

from nalu_lib.checks import check_integer, check_number
from nalu_lib.tasks.operations import apply_op
from nalu_lib.units import NALU

__all__ = [
    "comparison_table",
    "format_table",
    "initial_model",
    "max_relative_error",
    "mean_absolute_error_by_input",
    "mse_per_model",
    "nalu_gates",
    "near_exact_prediction",
    "predict",
    "predict_sequences",
    "relative_error",
    "results_table",
    "scaled_error",
    "success_rate",
    "worst_case_threshold",
]


def predict(model, x) -> np.ndarray:
    """``model(x)`` as a float64 numpy array, in one call (no Keras ``predict`` loop).

    Notebooks 01, 02, 03 and 05 use it, and the playground (notebook 06).
    """
    x = np.asarray(x, dtype=np.float32)
    return np.asarray(keras.ops.convert_to_numpy(model(x)), dtype=np.float64)


def relative_error(prediction, target) -> np.ndarray:
    """``|prediction - target| / |target|`` elementwise, in float64.

    Where the target is exactly 0 the absolute error is used instead (a model that predicts
    exactly 0 there scores 0). NaN or infinite predictions give ``inf``. Taught in notebook 02,
    through :func:`max_relative_error` and :func:`comparison_table`.
    """
    prediction = np.asarray(prediction, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if prediction.shape != target.shape:
        raise ValueError(f"prediction and target shapes differ: {prediction.shape} and {target.shape}")
    error = np.abs(prediction - target)
    scale = np.where(target == 0, 1.0, np.abs(target))
    return np.where(np.isfinite(error), error / scale, np.inf)


def max_relative_error(model, x, y) -> float:
    """The largest :func:`relative_error` of ``model`` over the examples ``(x, y)``.

    Taught in notebook 02; notebooks 03 and 05 use it.
    """
    return float(np.max(relative_error(predict(model, x), y)))


def comparison_table(x, actual, predicted, rows: int = 10, decimals: int = 2) -> str:
    """The article's printout as a table: inputs, actual and predicted values, relative error.

    ``x`` holds the inputs ``(n, k)``, ``actual`` and ``predicted`` the values ``(n,)`` or
    ``(n, 1)``. Shows the first ``rows`` examples; values are rounded to ``decimals`` so that the
    table reads the same on every machine. Taught in notebook 02; notebooks 03 and 05 use it.
    """
    x = np.asarray(x, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64).reshape(len(x), -1)[:, 0]
    predicted = np.asarray(predicted, dtype=np.float64).reshape(len(x), -1)[:, 0]
    errors = relative_error(predicted, actual)
    header = [*(f"x{i + 1}" for i in range(x.shape[1])), "actual", "predicted", "rel. error"]
    lines = []
    for i in range(min(rows, len(x))):
        cells = [f"{v:.{decimals}f}".rstrip("0").rstrip(".") for v in x[i]]
        cells += [f"{actual[i]:.{decimals}f}", f"{predicted[i]:.{decimals}f}", f"{errors[i]:.1e}"]
        lines.append(cells)
    widths = [max(len(h), *(len(line[j]) for line in lines)) for j, h in enumerate(header)]
    out = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    out += ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def mean_absolute_error_by_input(predictions, y) -> np.ndarray:
    """Absolute error per test input, averaged over models: ``(n_models, n, 1)`` -> ``(n,)``.

    ``predictions`` is what :meth:`nalu_lib.Ensemble.predict` returns; ``y`` the targets
    ``(n, 1)``. This is the curve of the paper's Figure 1 (notebook 01).
    """
    predictions = np.asarray(predictions, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if predictions.ndim != 3 or predictions.shape[1:] != y.shape:
        raise ValueError(f"predictions must have shape (n_models, *{y.shape}), got {predictions.shape}")
    return np.abs(predictions - y[None]).mean(axis=(0, 2))


def predict_sequences(model: keras.Model, x, batch_size: int | None = None) -> np.ndarray:
    """``model``'s predictions for sequences ``x`` of any length, as a float64 numpy array.

    A recurrent layer built with ``unroll=True`` (fast to train on 10 steps) would write a
    1000-step sequence out as 1000 steps of graph; here every ``keras.layers.RNN`` of the model
    (LSTMs included) loops instead, for this call only, and the model runs as one compiled call
    (``model.predict`` on a single batch). With ``batch_size``, on batches of that many
    sequences instead, which bounds the memory a large model needs (notebook 08 reads 200,000
    images with a CNN). Notebooks 07 and 08 use it.
    """
    x = np.asarray(x, dtype=np.float32)
    batch_size = check_integer("batch_size", batch_size, minimum=1, allow_none=True)
    layers = [layer for layer in model._flatten_layers(include_self=True) if isinstance(layer, keras.layers.RNN)]
    unrolled = [layer.unroll for layer in layers]
    try:
        for layer in layers:
            layer.unroll = False
        prediction = model.predict(x, batch_size=min(batch_size or len(x), len(x)), verbose=0)
    finally:
        for layer, unroll in zip(layers, unrolled, strict=True):
            layer.unroll = unroll
    return np.asarray(prediction, dtype=np.float64)


def initial_model(build_model, x, seed: int) -> keras.Model:
    """The untrained model that ``train(build_model, x, y, seed=seed)`` starts from.

    ``build_model`` is a function that returns an unbuilt Keras model, as for
    :func:`nalu_lib.train_many`, whose seed ``seed`` starts from the same weights; the model is
    built on ``x``. Use it to look at a model before training, e.g. at a NALU's gate at step 0.
    Like training, it reseeds Python, numpy, TensorFlow and Keras with ``seed``. No notebook
    calls it (notebook 03 looks at the gate at step 0 with
    :meth:`nalu_lib.Ensemble.layer_weights` instead).
    """
    if isinstance(build_model, keras.layers.Layer) or not callable(build_model):
        raise ValueError(f"build_model must be a function that returns an unbuilt model, got {build_model!r}")
    from nalu_lib.engine.seeding import seeded_model

    return seeded_model(build_model, x, check_integer("seed", seed, minimum=0))


def format_table(columns: dict) -> str:
    """``{header: values}`` as a plain-text table, one row per value, right-aligned.

    Values are shown with ``str``: format numbers before (e.g. ``f"{e:.1e}"``) so the table
    reads the same on every machine. Notebooks 03, 05 and 06 use it.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"every column needs the same number of values, got lengths {sorted(lengths)}")
    cells = [[str(v) for v in values] for values in columns.values()]
    widths = [max(len(header), *map(len, col)) for header, col in zip(columns, cells, strict=True)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(col[i].rjust(w) for col, w in zip(cells, widths, strict=True)) for i in range(lengths.pop())]
    return "\n".join(lines)


def mse_per_model(predictions, y) -> np.ndarray:
    """Mean squared error of each model: ``(n_models, n, units)`` against ``(n, units)`` -> ``(n_models,)``.

    Non-finite predictions give ``inf``, so a diverged model never counts as a success. Behind
    the short runs' scores (notebooks 04 and 05, through
    :func:`~nalu_lib.tasks.static_task.benchmark.run`).
    """
    predictions = np.asarray(predictions, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if predictions.ndim != 3 or predictions.shape[1:] != y.shape:
        raise ValueError(f"predictions must have shape (n_models, *{y.shape}), got {predictions.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        mse = np.mean((predictions - y[None]) ** 2, axis=(1, 2))
    return np.where(np.isfinite(mse), mse, np.inf)


def scaled_error(mse, random_baseline_mse) -> np.ndarray:
    """The paper's scaled error: ``100 * mse / mse_of_a_random_model``.

    A randomly initialised model scores 100, a perfect one 0 (Trask et al. 2018, Table 1);
    ``random_baseline_mse`` holds one or more random models' MSEs, averaged. Taught in
    notebook 04.
    """
    baseline = float(np.mean(random_baseline_mse))
    if not np.isfinite(baseline) or baseline <= 0:
        raise ValueError(f"random_baseline_mse must be positive and finite, got {baseline}")
    return 100.0 * np.asarray(mse, dtype=np.float64) / baseline


def near_exact_prediction(task, x, epsilon: float = 1e-5) -> np.ndarray:
    """The worst prediction of a near-exact solution of a static task: weights within ``epsilon``.

    The exact solution sums each subset with weight 1 and every other input with weight 0, so
    weights within ``epsilon`` of it give sums ``a`` and ``b`` off by at most
    ``delta = epsilon * sum(|x|)``. The operations are monotone in ``a`` and ``b``, so the worst
    case is at a corner ``(a +- delta, b +- delta)``; this returns the prediction of the corner
    with the largest squared error, shape ``(n, 1)``. ``task`` is a
    :class:`~nalu_lib.tasks.static_task.task.StaticTask`. Taught in notebook 04.
    """
    x = np.asarray(x, dtype=np.float64)
    a = x[:, task.a_index].sum(axis=1)
    b = x[:, task.b_index].sum(axis=1)
    exact = apply_op(task.op, a, b)
    delta = epsilon * np.abs(x).sum(axis=1)
    corners = np.stack([apply_op(task.op, a + sa * delta, b + sb * delta) for sa in (-1, 1) for sb in (-1, 1)])
    worst = np.argmax(np.abs(corners - exact), axis=0)
    return corners[worst, np.arange(len(x))][:, None]


def worst_case_threshold(task, epsilon: float = 1e-5) -> float:
    """The extrapolation MSE of the worst near-exact solution of a static task.

    A bound of this series' own, not Madsen & Johansen's threshold: the MSE, on the task's
    extrapolation set, of the worst solution whose weights are all within ``epsilon`` of the
    exact ones (:func:`near_exact_prediction`). Their threshold
    (:func:`nalu_lib.tasks.static_task.protocol.published_threshold`) puts every weight exactly
    ``epsilon`` off in one direction and averages, so it is smaller. Taught in notebook 04;
    notebook 05 uses it.
    """
    epsilon = check_number("epsilon", epsilon, positive=True)
    prediction = near_exact_prediction(task, task.x_extrapolation, epsilon)
    return float(np.mean((prediction - task.y_extrapolation.astype(np.float64)) ** 2))


def success_rate(successes, confidence: float = 0.95) -> tuple[float, float, float]:
    """The fraction of successful runs and its Wilson score interval: ``(rate, low, high)``.

    The Wilson interval stays inside [0, 1] and is sensible for 0 or all successes, which the
    usual normal approximation is not. ``successes`` holds one boolean per run; ``confidence``
    is any level in (0, 1); scipy computes the interval. Taught in notebook 04; notebook 05
    uses it.
    """
    successes = np.asarray(successes, dtype=bool).ravel()
    if successes.size == 0:
        raise ValueError("successes is empty")
    confidence = check_number("confidence", confidence)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got confidence={confidence!r}")
    k, n = int(successes.sum()), successes.size
    interval = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return k / n, float(interval.low), float(interval.high)


def nalu_gates(model, x) -> list[np.ndarray]:
    """The gate values of every NALU layer of a ``Sequential`` model on inputs ``x``, averaged over
    the examples: one array of shape ``(units,)`` per NALU layer, in order.

    1 means that unit adds (its additive path), 0 that it multiplies. Notebook 05 uses it.
    """
    h = np.asarray(x, dtype=np.float32)
    gates = []
    for layer in model.layers:
        if isinstance(layer, NALU):
            gates.append(layer.gate(h).mean(axis=0))
        h = np.asarray(keras.ops.convert_to_numpy(layer(h)))
    return gates


def results_table(results, split: str = "extrapolation") -> tuple[list, list, np.ndarray]:
    """``(ops, models, values)``: one value per (operation, model) cell, laid out like the paper's
    Table 1, for :func:`nalu_lib.notebook.plots.benchmark_heatmap` (notebook 04).

    ``results`` are objects with ``op``, ``model``, ``interpolation_scaled``,
    ``extrapolation_scaled`` and ``success_rate`` (what :func:`nalu_lib.tasks.static_task.benchmark.run` returns).
    ``split`` is ``"interpolation"`` or ``"extrapolation"`` for the median scaled error over
    seeds, or ``"success"`` for the success rate in %.
    """
    if split not in ("interpolation", "extrapolation", "success"):
        raise ValueError(f"split must be 'interpolation', 'extrapolation' or 'success', got split={split!r}")
    ops = list(dict.fromkeys(r.op for r in results))
    models = list(dict.fromkeys(r.model for r in results))
    values = np.full((len(ops), len(models)), np.nan)
    for r in results:
        if split == "success":
            value = 100 * r.success_rate[0]
        else:
            value = float(np.median(getattr(r, f"{split}_scaled")))
        values[ops.index(r.op), models.index(r.model)] = value
    return ops, models, values
