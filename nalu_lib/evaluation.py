"""Errors and tables: how the notebooks and benchmarks judge a trained model.

Taught in notebooks 02 and 03 (relative errors, the article's table of actual against
predicted values).
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["comparison_table", "max_relative_error", "predict", "relative_error"]


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
