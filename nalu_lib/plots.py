"""Every figure of the series, so that the notebooks stay short. Each function draws on a new
figure (or the ``ax`` it is given) and returns the axes; the notebook cell ends with it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["extrapolation_errors", "learned_functions", "loss_curves", "new_axes"]

#: Colours for the training range shading, used by every figure that shows one.
TRAIN_RANGE_COLOUR = "#dddddd"


def new_axes(ax=None, figsize=(7, 4)):
    """``ax`` if given, else the axes of a new figure of ``figsize``."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _shade_training_range(ax, train_range, label="training range"):
    ax.axvspan(*train_range, color=TRAIN_RANGE_COLOUR, zorder=0, label=label)


def loss_curves(histories: dict, ax=None, title: str = "Training loss"):
    """Loss per step on a log scale, one line per ``{label: loss array}`` (notebooks 02, 03)."""
    ax = new_axes(ax)
    for label, loss in histories.items():
        loss = np.asarray(getattr(loss, "loss", loss), dtype=np.float64)
        ax.plot(np.arange(1, len(loss) + 1), np.maximum(loss, 1e-30), label=label, lw=1.2)
    ax.set(xlabel="step", ylabel="mean squared error (log scale)", yscale="log", title=title)
    ax.legend()
    return ax


def extrapolation_errors(x, errors: dict, train_range, ax=None, title=None):
    """Mean absolute error against x, one line per ``{label: errors}`` (notebook 01, Figure 1).

    ``x`` has shape ``(n,)``; each errors array ``(n,)``. The training range is shaded.
    """
    ax = new_axes(ax, figsize=(9, 5))
    _shade_training_range(ax, train_range)
    cmap = plt.get_cmap("tab20")
    for i, (label, err) in enumerate(errors.items()):
        ax.plot(np.ravel(x), np.ravel(err), label=label, color=cmap(i % 20), lw=1.5)
    ax.set(xlabel="x", ylabel="mean absolute error", title=title or "Error of f(x) = x, by activation")
    ax.set_xlim(float(np.min(x)), float(np.max(x)))
    ax.legend(ncol=2, fontsize="small", loc="upper center")
    return ax


def learned_functions(x, predictions: dict, train_range, ax=None, title="What the networks learned"):
    """The identity line and each model's ``{label: prediction}`` against x (notebook 01)."""
    ax = new_axes(ax)
    _shade_training_range(ax, train_range)
    x = np.ravel(x)
    ax.plot(x, x, color="black", ls="--", lw=1.5, label="f(x) = x")
    for label, prediction in predictions.items():
        ax.plot(x, np.ravel(prediction), label=label, lw=1.5)
    ax.set(xlabel="x", ylabel="prediction", title=title)
    ax.set_xlim(float(x.min()), float(x.max()))
    ax.legend(fontsize="small")
    return ax
