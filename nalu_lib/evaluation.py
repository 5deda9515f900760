"""Errors and tables: how the notebooks and benchmarks judge a trained model.

Taught in notebooks 02 and 03 (relative errors, the article's table of actual against
predicted values).
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = [
    "comparison_table",
    "format_table",
    "initial_model",
    "max_relative_error",
    "mean_absolute_error_by_input",
    "predict",
    "relative_error",
]


def predict(model, x) -> np.ndarray:
    """``model(x)`` as a float64 numpy array, in one call (no Keras ``predict`` loop)."""
    x = np.asarray(x, dtype=np.float32)
    return np.asarray(keras.ops.convert_to_numpy(model(x)), dtype=np.float64)


def relative_error(prediction, target) -> np.ndarray:
    """``|prediction - target| / |target|`` elementwise, in float64.

    Where the target is exactly 0 the absolute error is used instead (a model that predicts
    exactly 0 there scores 0). NaN or infinite predictions give ``inf``.
    """
    prediction = np.asarray(prediction, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if prediction.shape != target.shape:
        raise ValueError(f"prediction and target shapes differ: {prediction.shape} and {target.shape}")
    error = np.abs(prediction - target)
    scale = np.where(target == 0, 1.0, np.abs(target))
    return np.where(np.isfinite(error), error / scale, np.inf)


def max_relative_error(model, x, y) -> float:
    """The largest :func:`relative_error` of ``model`` over the examples ``(x, y)``."""
    return float(np.max(relative_error(predict(model, x), y)))


def comparison_table(x, actual, predicted, rows: int = 10, decimals: int = 2) -> str:
    """The article's printout as a table: inputs, actual and predicted values, relative error.

    Shows the first ``rows`` examples; values are rounded to ``decimals`` so that the table
    reads the same on every machine.
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


def initial_model(build_model, x, seed: int) -> keras.Model:
    """The untrained model that ``train(build_model, x, y, seed=seed)`` starts from (notebook 03).

    ``build_model`` is a function that returns an unbuilt Keras model, as for
    :func:`nalu_lib.train_many`, whose seed ``seed`` starts from the same weights. Use it to look
    at a model before training, e.g. at a NALU's gate at step 0. Like training, it reseeds
    Python, numpy, TensorFlow and Keras with ``seed``.
    """
    from nalu_lib.training import _seeded_model  # here, not at the top: training loads TensorFlow

    if isinstance(build_model, keras.layers.Layer) or not callable(build_model):
        raise ValueError(f"build_model must be a function that returns an unbuilt model, got {build_model!r}")
    return _seeded_model(build_model, np.asarray(x, dtype=np.float32), int(seed))


def format_table(columns: dict) -> str:
    """``{header: values}`` as a plain-text table, one row per value, right-aligned (notebook 03).

    Values are shown with ``str``: format numbers before (e.g. ``f"{e:.1e}"``) so the table
    reads the same on every machine.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"every column needs the same number of values, got lengths {sorted(lengths)}")
    cells = [[str(v) for v in values] for values in columns.values()]
    widths = [max(len(header), *map(len, col)) for header, col in zip(columns, cells, strict=True)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(col[i].rjust(w) for col, w in zip(cells, widths, strict=True)) for i in range(lengths.pop())]
    return "\n".join(lines)
