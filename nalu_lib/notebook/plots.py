"""Every figure of the series, so that the notebooks stay short. Each function draws on a new
figure (or the ``ax`` it is given) and returns the axes; the notebook cell ends with it.

Colour rules for every figure: colour-blind-safe palettes (:data:`OKABE_ITO`, or matplotlib's
default tab10 cycle with markers or line styles), perceptually uniform maps (viridis, cividis)
for magnitudes, never red against green; more than about six lines get line styles too, or
one small panel each.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from nalu_lib.evaluation import results_table

__all__ = [
    "adam_step_sizes",
    "benchmark_heatmap",
    "errors_by_length",
    "extrapolation_errors",
    "gate_fates",
    "input_scatter",
    "learned_functions",
    "live_loss",
    "log_log",
    "log_trick",
    "loss_curves",
    "nac_weight_surface",
    "nalu_diagram",
    "new_axes",
    "predicted_vs_true",
    "protocol_success_rates",
    "shade_training_range",
    "success_rates",
    "success_rates_by_task",
]

#: Colours for the training range shading, used by every figure that shows one.
TRAIN_RANGE_COLOUR = "#dddddd"

#: Okabe & Ito's palette, distinguishable with every common colour-vision deficiency (black first).
OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Line styles to pair with colours, so that lines differ by more than colour alone.
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
#: The most lines :func:`extrapolation_errors` draws on one axes; more get one panel each.
MAX_LINES_PER_AXES = 6


def _line_style(i: int) -> dict:
    """Colour and line style of the ``i``-th line: Okabe-Ito colours (not black, not yellow,
    which is too light on white) paired with line styles."""
    colours = [c for c in OKABE_ITO if c not in ("#000000", "#F0E442")]
    return {"color": colours[i % len(colours)], "ls": LINE_STYLES[i % len(LINE_STYLES)]}


def new_axes(ax=None, figsize=(7, 4)):
    """``ax`` if given, else the axes of a new figure of ``figsize``: how every figure here starts
    (no notebook calls it)."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def shade_training_range(ax, train_range, label="training range"):
    """Shade the training range ``(low, high)`` on ``ax``, the same grey in every figure, with
    ``label`` for the legend (notebooks 01 and 06 show it; no notebook calls it)."""
    ax.axvspan(*train_range, color=TRAIN_RANGE_COLOUR, zorder=0, label=label)


def loss_curves(
    histories: dict, ax=None, title: str = "Training loss", colors: dict | None = None, xscale: str = "linear"
):
    """Loss per step on a log scale, one line per ``{label: loss array}`` (notebooks 02, 03).

    ``colors`` maps some labels to colours (for instance one colour per group of seeds); the
    others take matplotlib's default cycle. With more than six lines, line styles alternate too
    and the legend moves to the right of the plot, off the data. ``xscale="log"`` spreads out
    the first steps. Loss values of exactly 0 are drawn at 1e-30.
    """
    ax = new_axes(ax)
    many = len(histories) > 6
    styles = ["-", "--", ":", "-."]
    for i, (label, loss) in enumerate(histories.items()):
        loss = np.asarray(getattr(loss, "loss", loss), dtype=np.float64)
        style = {"color": colors[label]} if colors and label in colors else {}
        if many:
            style["ls"] = styles[i % len(styles)]
        ax.plot(np.arange(1, len(loss) + 1), np.maximum(loss, 1e-30), label=label, lw=1.2, **style)
    ax.set(xlabel="step", ylabel="mean squared error (log scale)", yscale="log", xscale=xscale, title=title)
    if many:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend()
    return ax


def extrapolation_errors(x, errors: dict, train_range, ax=None, title=None, small_multiples: bool | None = None):
    """Mean absolute error against x for each ``{label: errors}`` (notebook 01, Figure 1).

    ``x`` has shape ``(n,)``; each errors array ``(n,)``. The training range is shaded. Up to
    :data:`MAX_LINES_PER_AXES` lines share one axes, told apart by colour *and* line style;
    more (or ``small_multiples=True``) get one small panel each, on a shared scale, with the
    other lines in light grey behind for comparison. Returns the axes (an array of them for
    small multiples).
    """
    if small_multiples is None:
        small_multiples = ax is None and len(errors) > MAX_LINES_PER_AXES
    x = np.ravel(x)
    if small_multiples:
        columns = 4
        rows = -(-len(errors) // columns)
        fig, axes = plt.subplots(
            rows, columns, figsize=(11, 2.1 * rows + 0.6), sharex=True, sharey=True, layout="constrained"
        )
        for panel, (label, err) in zip(axes.flat, errors.items(), strict=False):
            shade_training_range(panel, train_range)
            for other in errors.values():
                panel.plot(x, np.ravel(other), color="0.8", lw=0.8)
            panel.plot(x, np.ravel(err), color=OKABE_ITO[5], lw=2)
            panel.set_title(label, fontsize="medium")
            panel.set_xlim(float(x.min()), float(x.max()))
        for panel in axes.flat[len(errors) :]:
            panel.set_axis_off()
        for panel in axes[:, 0]:
            panel.set_ylabel("mean abs. error")
        for panel in axes[-1, :]:
            panel.set_xlabel("x")
        fig.suptitle(
            (title or "Error of f(x) = x, by activation") + " (grey: the other activations; shaded: the training range)"
        )
        return axes
    ax = new_axes(ax, figsize=(9, 5))
    shade_training_range(ax, train_range)
    for i, (label, err) in enumerate(errors.items()):
        ax.plot(x, np.ravel(err), label=label, lw=2, **_line_style(i))
    ax.set(xlabel="x", ylabel="mean absolute error", title=title or "Error of f(x) = x, by activation")
    ax.set_xlim(float(x.min()), float(x.max()))
    ax.legend(ncol=1, fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def learned_functions(
    x, predictions: dict, train_range, ax=None, title="What the networks learned", residual: bool = False
):
    """Each model's ``{label: prediction}`` against x, with the identity line (notebook 01).

    With ``residual=True`` it plots ``prediction - x`` instead, one small panel per model, each
    with its own vertical scale, so that the identity is the dashed line at 0 and deviations
    show whatever their size (on one shared scale, a deviation of 0.1 would hide under the
    line at 0 beside one of 10). Returns the axes (an array of them with ``residual=True``).
    """
    x = np.ravel(x)
    if residual:
        columns = min(len(predictions), 4)
        rows = -(-len(predictions) // columns)
        fig, axes = plt.subplots(
            rows,
            columns,
            figsize=(2.9 * columns + 0.6, 2.6 * rows + 0.6),
            sharex=True,
            squeeze=False,
            layout="constrained",
        )
        for i, (panel, (label, prediction)) in enumerate(zip(axes.flat, predictions.items(), strict=False)):
            shade_training_range(panel, train_range)
            panel.axhline(0, color="black", ls="--", lw=1.2, label="f(x) = x (error 0)")
            panel.plot(x, np.ravel(prediction) - x, lw=2, label=label, color=_line_style(i)["color"])
            panel.set_title(label, fontsize="medium")
            panel.set_xlim(float(x.min()), float(x.max()))
            panel.set_xlabel("x")
        for panel in axes.flat[len(predictions) :]:
            panel.set_axis_off()
        for panel in axes[:, 0]:
            panel.set_ylabel("prediction - x")
        fig.suptitle(f"{title} (each panel on its own scale; dashed: f(x) = x; shaded: the training range)")
        return axes
    ax = new_axes(ax)
    shade_training_range(ax, train_range)
    ax.plot(x, x, color="black", ls="--", lw=1.5, label="f(x) = x", zorder=3)
    for i, (label, prediction) in enumerate(predictions.items()):
        ax.plot(x, np.ravel(prediction), label=label, lw=2, **_line_style(i))
    ax.set(xlabel="x", ylabel="prediction", title=title)
    ax.set_xlim(float(x.min()), float(x.max()))
    ax.legend(fontsize="small")
    return ax


def nac_weight_surface(limit: float = 6.0, n: int = 301, axes=None):
    """The NAC's weight ``W = tanh(W_hat) * sigmoid(M_hat)`` over ``[-limit, limit]^2`` (notebook 02).

    Left, a map of ``W`` over the ``(W_hat, M_hat)`` plane, with contour lines; right, a
    histogram of the values ``W`` takes on an evenly spaced ``n`` by ``n`` grid of that square:
    they pile up on plateaus at -1, 0 and 1. Computed with numpy from the same
    formula as :func:`nalu_lib.units.nac_weight`. Returns the two axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1.25, 1]})
    ax_map, ax_hist = axes
    w_hat, m_hat = np.meshgrid(np.linspace(-limit, limit, n), np.linspace(-limit, limit, n))
    W = np.tanh(w_hat) / (1.0 + np.exp(-m_hat))
    filled = ax_map.contourf(w_hat, m_hat, W, levels=np.linspace(-1, 1, 21), cmap="RdBu_r")
    lines = ax_map.contour(
        w_hat, m_hat, W, levels=[-0.99, -0.9, -0.5, 0.0, 0.5, 0.9, 0.99], colors="black", linewidths=0.7
    )
    ax_map.clabel(lines, fmt="%g", fontsize="small")
    ax_map.figure.colorbar(filled, ax=ax_map, label="W", ticks=[-1, -0.5, 0, 0.5, 1])
    # extra code: label the three plateaus
    box = {"boxstyle": "round", "facecolor": "white", "alpha": 0.8}
    for x, y, text in [(0.7, 0.6, "W ≈ 1"), (-0.7, 0.6, "W ≈ -1"), (0.0, -0.75, "W ≈ 0")]:
        ax_map.text(x * limit, y * limit, text, ha="center", va="center", bbox=box)
    ax_map.set(
        xlabel="W_hat (through tanh: sign and size)",
        ylabel="M_hat (through sigmoid: on or off)",
        title="W = tanh(W_hat) · sigmoid(M_hat)",
        aspect="equal",
    )
    ax_map.grid(False)
    ax_hist.hist(W.ravel(), bins=np.linspace(-1, 1, 81), color="#4c72b0", weights=np.full(W.size, 100 / W.size))
    ax_hist.set(
        xlabel="W",
        ylabel="share of the square (%)",
        title=f"Values of W over [-{limit:g}, {limit:g}]²",
        xticks=[-1, -0.5, 0, 0.5, 1],
    )
    return axes


def input_scatter(sets: dict, ax=None, title: str = "Where the inputs lie"):
    """Each ``{label: x}`` (``x`` of shape ``(n, 2)``) as points in the ``(x1, x2)`` plane (notebook 02).

    Shows whether a test set lies inside the training range (interpolation) or outside it
    (extrapolation).
    """
    ax = new_axes(ax, figsize=(5.5, 5))
    for label, x in sets.items():
        x = np.asarray(x, dtype=np.float64)
        ax.scatter(x[:, 0], x[:, 1], s=6, label=f"{label} ({len(x)} pairs)")
    ax.set(xlabel="x1", ylabel="x2", title=title, aspect="equal")
    ax.legend(markerscale=3)
    return ax


def predicted_vs_true(actual, predictions: dict, ax=None, log: bool = True, title: str = "Predicted against true"):
    """Each model's ``{label: prediction}`` against the true values, with the line ``y = x`` (notebook 02).

    Points on the dashed line are right. ``log=True`` (default) puts both axes on a log scale,
    for values that span orders of magnitude (they must then be positive).
    """
    ax = new_axes(ax, figsize=(5.5, 5))
    actual = np.ravel(np.asarray(actual, dtype=np.float64))
    low, high = float(actual.min()), float(actual.max())
    for label, prediction in predictions.items():
        prediction = np.ravel(np.asarray(prediction, dtype=np.float64))
        ax.scatter(actual, prediction, s=10, label=label)
        low, high = min(low, float(prediction.min())), max(high, float(prediction.max()))
    ax.plot([low, high], [low, high], color="black", ls="--", lw=1.2, label="predicted = true")
    scale = "log" if log else "linear"
    ax.set(xlabel="true value", ylabel="predicted value", title=title, xscale=scale, yscale=scale)
    ax.legend()
    return ax


def nalu_diagram(ax=None):
    """The NALU as boxes and arrows (notebook 03).

    Top, the NAC ``a = xW`` (adds and subtracts); middle, the same NAC in log space,
    ``m = exp(log(|x| + eps) W)`` (multiplies and divides); bottom, the gate ``g = sigmoid(xG)``,
    which mixes the two into ``y = g a + (1 - g) m``. A dashed line marks the ``W`` both paths share.
    """
    import matplotlib.patches as mpatches

    ax = new_axes(ax, figsize=(10, 4.2))
    colours = {"add": "#d9c8ef", "mul": "#c8dcef", "gate": "#f8d2a6", "out": "#e4e4e4"}

    def box(x, y, text, colour, width=1.7, height=0.8):
        patch = mpatches.FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05", fc=colour, ec="black", lw=1
        )
        ax.add_patch(patch)
        ax.text(x, y, text, ha="center", va="center", fontsize=11)
        return x - width / 2, x + width / 2

    def arrow(start, end, label=None, label_offset=(0.0, 0.18)):
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2})
        if label:
            middle = ((start[0] + end[0]) / 2 + label_offset[0], (start[1] + end[1]) / 2 + label_offset[1])
            ax.text(*middle, label, ha="center", va="center", fontsize=12, style="italic")

    y_add, y_mul, y_gate, y_mix = 4.0, 2.3, 0.6, 2.3
    ax.text(0.4, y_mul, "x", ha="center", va="center", fontsize=16, style="italic")
    _, add_right = box(4.6, y_add, "NAC\n$a = xW$", colours["add"])
    log_left, log_right = box(2.4, y_mul, r"$\log(|x| + \epsilon)$", colours["mul"])
    nac_left, nac_right = box(4.6, y_mul, "NAC\n$xW$", colours["mul"], width=1.3)
    exp_left, exp_right = box(6.5, y_mul, "exp", colours["mul"], width=1.0)
    gate_left, gate_right = box(4.6, y_gate, r"gate" "\n" r"$g = \sigma(xG)$", colours["gate"])
    mix_left, mix_right = box(8.9, y_mix, r"$y = g\,a + (1 - g)\,m$", colours["out"], width=2.1, height=1.0)
    # extra code: the arrows between the boxes
    arrow((0.65, y_mul + 0.15), (add_right - 1.7, y_add))
    arrow((0.65, y_mul), (log_left, y_mul))
    arrow((0.65, y_mul - 0.15), (gate_left, y_gate))
    arrow((log_right, y_mul), (nac_left, y_mul))
    arrow((nac_right, y_mul), (exp_left, y_mul))
    arrow((add_right, y_add), (mix_left + 0.4, y_mix + 0.5), "a", (0.1, 0.25))
    arrow((exp_right, y_mul), (mix_left, y_mix), "m")
    arrow((gate_right, y_gate), (mix_left + 0.4, y_mix - 0.5), "g", (0.1, -0.25))
    arrow((mix_right, y_mix), (mix_right + 0.6, y_mix))
    ax.text(mix_right + 0.75, y_mix, "y", ha="left", va="center", fontsize=16, style="italic")
    ax.plot([4.6, 4.6], [y_add - 0.45, y_mul + 0.45], ls="--", color="#6a3d9a", lw=1.5)
    ax.text(4.7, (y_add + y_mul) / 2, "same W", ha="left", va="center", color="#6a3d9a", fontsize=10)
    ax.text(7.0, y_add + 0.05, "adds, subtracts", ha="left", va="center", fontsize=9, color="0.35")
    ax.text(5.6, y_mul - 0.7, "multiplies, divides", ha="center", va="center", fontsize=9, color="0.35")
    ax.set(xlim=(0, 11.2), ylim=(0, 4.7), title="A NALU: two NACs sharing W, mixed by a gate")
    ax.set_axis_off()
    return ax


def log_trick(x1: float = 20.0, x2: float = 50.0, ax=None):
    """Why a NAC in log space multiplies: on a log scale, lengths add (notebook 03).

    A slide rule: with ``W = [1, 1]`` the steps ``log x1`` and ``log x2`` add up to
    ``log(x1 x2)``; with ``W = [1, -1]`` the second step goes back, to ``log(x1 / x2)``.
    """
    ax = new_axes(ax, figsize=(8, 3.2))
    product, quotient = x1 * x2, x1 / x2
    rows = [
        (1.0, f"W = [1, 1]:  {x1:g} \u00d7 {x2:g} = {product:g}", product, f"+ log {x2:g}"),
        (0.0, f"W = [1, \u22121]:  {x1:g} / {x2:g} = {quotient:g}", quotient, f"\u2212 log {x2:g}"),
    ]
    style = {"arrowstyle": "-|>", "lw": 2}
    for y, label, result, second in rows:
        ax.annotate("", xy=(x1, y + 0.08), xytext=(1, y + 0.08), arrowprops={**style, "color": "#1f77b4"})
        ax.annotate("", xy=(result, y - 0.08), xytext=(x1, y - 0.08), arrowprops={**style, "color": "#d62728"})
        ax.text(np.sqrt(x1), y + 0.22, f"+ log {x1:g}", ha="center", color="#1f77b4")
        ax.text(np.sqrt(x1 * result), y - 0.3, second, ha="center", color="#d62728")
        ax.plot([result], [y], "o", color="black")
        ax.text(result, y + 0.22, label.split(":  ")[1], ha="center", fontsize=10, fontweight="bold")
    ax.axvline(1, color="0.5", lw=1, ls=":")
    ax.set(
        xscale="log",
        xlim=(0.1, 1e4),
        ylim=(-0.6, 1.5),
        yticks=[1, 0],
        yticklabels=["W = [1, 1]", "W = [1, \u22121]"],
        xlabel="value (log scale: equal distances are equal factors)",
        title=r"$\log x_1 + \log x_2 = \log(x_1 x_2)$: in log space, adding is multiplying",
    )
    ax.grid(True, axis="y", alpha=0)
    return ax


# --------------------------------------------------------------------------- notebook 06: the playground


def live_loss(loss, total_steps: int, ax=None, title: str | None = None):
    """The loss so far on a log scale, the x axis fixed at ``[0, total_steps]`` so the curve grows
    from left to right while training runs (notebook 06, the playground's live plot)."""
    ax = new_axes(ax, figsize=(7, 3))
    loss = np.asarray(loss, dtype=np.float64).reshape(-1)
    ax.plot(np.arange(1, len(loss) + 1), np.maximum(loss, 1e-30), color=OKABE_ITO[5], lw=1.2)
    ax.set(
        xlabel="step",
        ylabel="mean squared error (log scale)",
        yscale="log",
        xlim=(0, max(int(total_steps), 1)),
        title=title or f"Training: step {len(loss)} of {int(total_steps)}",
    )
    return ax


def benchmark_heatmap(results, title: str = "Scaled error (random model = 100), median over seeds"):
    """The benchmark laid out like the paper's Table 1: operations down, models across, one panel
    for interpolation and one for extrapolation, colours on a log scale, and the success rate
    beside each extrapolation cell (notebook 04).

    ``results`` are objects with ``op``, ``model``, ``interpolation_scaled``,
    ``extrapolation_scaled`` and ``success_rate``, such as :func:`nalu_lib.tasks.static_task.benchmark.run` returns
    (see :func:`nalu_lib.evaluation.results_table`).
    """
    from matplotlib.colors import LogNorm

    panels = []
    for split in ("interpolation", "extrapolation"):
        ops, models, values = results_table(results, split)
        panels.append((split, values))
    _, _, success = results_table(results, "success")
    fig, axes = plt.subplots(
        1, 2, figsize=(2.1 * len(models) + 3, 0.55 * len(ops) + 2), sharey=True, layout="constrained"
    )
    # cividis (readable with every colour-vision deficiency, and in greyscale), from 1e-6 (dark
    # blue, as good as exact) to 1e3 (light yellow, ten times worse than random)
    cmap = plt.get_cmap("cividis")
    norm = LogNorm(vmin=1e-6, vmax=1e3, clip=True)
    for ax, (split, values) in zip(axes, panels, strict=True):
        shown = np.where(np.isfinite(values), values, 1e3)
        image = ax.imshow(shown, cmap=cmap, norm=norm, aspect="auto")
        for i in range(len(ops)):
            for j in range(len(models)):
                text = _short_number(values[i, j])
                if split == "extrapolation":
                    text += f"\n{success[i, j]:.0f}% ok"
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color=_text_colour(cmap(norm(shown[i, j]))))
        ax.set_xticks(range(len(models)), models, rotation=20, ha="right")
        ax.set_yticks(range(len(ops)), ops)
        ax.set_title(split)
        ax.grid(False)
    fig.colorbar(image, ax=axes, shrink=0.8, extend="both", label="scaled error (log scale)")
    fig.suptitle(title)
    return axes


def _text_colour(background) -> str:
    """Black or white, whichever reads better on ``background`` (an RGBA colour)."""
    red, green, blue = background[:3]
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"


def _short_number(value: float) -> str:
    if not np.isfinite(value):
        return "inf"
    if value == 0:
        return "0"
    if 0.01 <= abs(value) < 1000:
        return f"{value:.3g}"
    return f"{value:.0e}"


def log_log(x, curves: dict, xlabel: str, ylabel: str, title: str, ax=None):
    """Each ``{label: y}`` against ``x`` with both axes logarithmic (notebook 05)."""
    ax = new_axes(ax)
    for i, (label, y) in enumerate(curves.items()):
        ax.plot(np.ravel(x), np.abs(np.ravel(y)), label=label, lw=2, **_line_style(i))
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    return ax


def success_rates(results, published: dict | None = None, ax=None, title: str = "Success rate over seeds"):
    """Success rate per (operation, model) with its 95% interval, and published rates as diamonds.

    ``results`` are objects with ``op``, ``model``, ``seeds`` and ``success_rate``, such as
    :func:`nalu_lib.tasks.static_task.benchmark.run` returns; ``published`` maps
    ``(op, model)`` to a rate between 0 and 1 (notebook 05).
    """
    ax = new_axes(ax, figsize=(9, 4))
    labels, rates, lows, highs = [], [], [], []
    for r in results:
        rate, low, high = r.success_rate
        labels.append(f"{r.op}\n{r.model}")
        rates.append(rate)
        lows.append(max(0.0, rate - low))
        highs.append(max(0.0, high - rate))
    positions = np.arange(len(labels))
    ax.bar(
        positions,
        rates,
        color=OKABE_ITO[2],
        edgecolor="black",
        label=f"ours ({len(results[0].seeds)} seeds, 95% interval)",
    )
    ax.errorbar(positions, rates, yerr=[lows, highs], fmt="none", ecolor="black", capsize=3)
    if published:
        shown = [(i, published[(r.op, r.model)]) for i, r in enumerate(results) if (r.op, r.model) in published]
        if shown:
            ax.scatter(
                *zip(*shown, strict=True),
                marker="D",
                s=45,
                color=OKABE_ITO[6],
                edgecolor="black",
                zorder=3,
                label="published",
            )
    ax.set_xticks(positions, labels, fontsize="small")
    ax.set(ylim=(0, 1.05), ylabel="share of seeds that succeed", title=title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def success_rates_by_task(rates: dict, ax=None, title: str = "Success rate over seeds"):
    """Grouped bars: one group per task, one bar per unit, each with its 95% interval (notebook 10).

    ``rates`` maps ``(task, unit)`` to ``(rate, low, high)``, such as
    :func:`nalu_lib.evaluation.success_rate` returns. Bars differ in hatching as well as colour
    (Okabe and Ito's palette), and a rate of 0 shows as a thin line at the axis.
    """
    tasks = list(dict.fromkeys(task for task, _ in rates))
    units = list(dict.fromkeys(unit for _, unit in rates))
    ax = new_axes(ax, figsize=(9, 4))
    width = 0.8 / len(units)
    hatches = ("", "//", "..", "xx", "\\\\", "--", "++")
    for j, unit in enumerate(units):
        shown = [(i, rates[task, unit]) for i, task in enumerate(tasks) if (task, unit) in rates]
        x = np.array([i for i, _ in shown]) + (j - (len(units) - 1) / 2) * width
        rate = np.array([r[0] for _, r in shown])
        low = np.array([r[1] for _, r in shown])
        high = np.array([r[2] for _, r in shown])
        ax.bar(
            x,
            np.maximum(rate, 0.004),
            width,
            color=OKABE_ITO[1 + j % (len(OKABE_ITO) - 1)],
            hatch=hatches[j % len(hatches)],
            edgecolor="black",
            linewidth=0.6,
            label=unit,
        )
        ax.errorbar(
            x, rate, yerr=[np.maximum(rate - low, 0), np.maximum(high - rate, 0)], fmt="none", ecolor="black", capsize=2
        )
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set(ylim=(0, 1.05), ylabel="share of seeds that succeed", title=title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def gate_fates(gates: dict, ax=None, title: str = "Where each seed's gate ends up"):
    """One row of dots per ``{label: final gate value per seed}`` (notebook 05).

    A gate of 1 means the NALU adds (its additive path), 0 that it multiplies.
    """
    ax = new_axes(ax, figsize=(8, 0.9 * len(gates) + 1.2))
    rng = np.random.default_rng(0)  # vertical jitter only, so that dots do not hide each other
    markers = "os^Dv<>"
    for row, values in enumerate(gates.values()):
        values = np.ravel(values)
        ax.scatter(
            values,
            row + rng.uniform(-0.2, 0.2, values.size),
            s=22,
            alpha=0.8,
            marker=markers[row % len(markers)],
            color=_line_style(row)["color"],
            edgecolor="black",
            linewidths=0.4,
        )
    ax.set_yticks(range(len(gates)), list(gates))
    ax.set(xlim=(-0.05, 1.05), xlabel="mean gate value on the extrapolation set (0 = multiply, 1 = add)", title=title)
    return ax


def protocol_success_rates(cells: list[dict], ax=None, title: str = "Success rate over seeds, three ways"):
    """Three marks per cell: the published success rate, ours at the full protocol, ours live.

    ``cells`` holds one dict per cell with ``label`` and up to three ``(rate, low, high)``
    triples, the 95% interval around each rate: ``published`` (Madsen & Johansen, 100 seeds),
    ``full`` (our run of their protocol, :func:`nalu_lib.tasks.static_task.results.summarize`) and ``live``
    (the notebook's own short run); a missing or ``None`` triple is not drawn. Marks differ in
    shape as well as colour (Okabe and Ito's colour-blind-safe palette). Notebooks 04 and 05.
    """
    ax = new_axes(ax, figsize=(9, 0.55 * len(cells) + 1.2))
    kinds = [
        ("published", "published (100 seeds)", "D", "#E69F00", 0.22),
        ("full", "ours, their full protocol (100 seeds)", "o", "#0072B2", 0.0),
        ("live", "ours, this notebook's short run", "s", "#009E73", -0.22),
    ]
    positions = np.arange(len(cells))[::-1]
    for key, label, marker, colour, offset in kinds:
        shown = [(pos, cell[key]) for pos, cell in zip(positions, cells, strict=True) if cell.get(key) is not None]
        if not shown:
            continue
        y = np.array([pos + offset for pos, _ in shown])
        rate = np.array([triple[0] for _, triple in shown])
        low = np.array([triple[1] for _, triple in shown])
        high = np.array([triple[2] for _, triple in shown])
        ax.errorbar(
            rate,
            y,
            xerr=[np.maximum(rate - low, 0), np.maximum(high - rate, 0)],
            fmt=marker,
            color=colour,
            ecolor=colour,
            capsize=3,
            label=label,
        )
    ax.set_yticks(positions, [cell["label"] for cell in cells])
    ax.set(xlim=(-0.03, 1.03), xlabel="share of seeds that succeed (95% interval)", title=title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def seed_values_side_by_side(
    cells: dict, xlabel: str, ax=None, title: str = "Per seed, theirs and ours", log: bool = True
):
    """One row per cell, one dot per seed: theirs above, ours below, on a log axis by default.

    ``cells`` maps a label to ``(theirs, ours)``, two sequences of per-seed values (the
    successful seeds' sparsity errors, say; notebook 05). Zeros and non-finite values are not
    drawn on a log axis; their count is added to the row's label. Okabe-Ito colours and a
    marker per side, with a median tick for each.
    """
    ax = new_axes(ax, figsize=(9, 0.8 * len(cells) + 1.2))
    sides = [("theirs", "D", "#E69F00", 0.17), ("ours", "o", "#0072B2", -0.17)]
    positions = np.arange(len(cells))[::-1]
    labels = []
    rng = np.random.default_rng(0)  # the same jitter on every run
    for pos, (label, values) in zip(positions, cells.items(), strict=True):
        hidden = 0
        for (name, marker, colour, offset), side in zip(sides, values, strict=True):
            side = np.asarray(side, dtype=np.float64)
            shown = side[np.isfinite(side) & (side > 0)] if log else side[np.isfinite(side)]
            hidden += len(side) - len(shown)
            y = pos + offset + rng.uniform(-0.06, 0.06, len(shown))
            first = pos == positions[0]
            ax.scatter(shown, y, marker=marker, s=14, color=colour, alpha=0.6, label=name if first else None)
            if len(shown):
                ax.plot([np.median(shown)] * 2, [pos + offset - 0.14, pos + offset + 0.14], color="black", lw=2)
        labels.append(label if not hidden else f"{label} ({hidden} not shown)")
    ax.set_yticks(positions, labels)
    ax.set(xlabel=xlabel, title=title, xscale="log" if log else "linear")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def adam_step_sizes(steps: dict, learning_rate: float, ax=None, title: str = "Adam's step on a shrinking gradient"):
    """Each ``{label: Adam's steps}`` divided by the learning rate, per step, on a log scale (notebook 02).

    A line at 1 means Adam steps by the full learning rate; a falling line, that its steps shrink
    and the weight stops moving. Okabe-Ito colours and a line style per setting.
    """
    ax = new_axes(ax)
    colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"]  # Okabe-Ito: colour-blind safe
    for (label, values), ls, colour in zip(steps.items(), ["-", "--", ":", "-."], colours, strict=False):
        values = np.abs(np.asarray(values, dtype=np.float64)) / learning_rate
        ax.plot(np.arange(1, len(values) + 1), np.maximum(values, 1e-30), label=label, lw=1.8, ls=ls, color=colour)
    ax.set(xlabel="step", ylabel="step size / learning rate (log scale)", yscale="log", title=title)
    ax.set_ylim(1e-12, 3)
    ax.legend(fontsize="small", loc="lower left")
    return ax


def errors_by_length(errors: dict, title: str = "", ylabel: str = "relative error", ax=None):
    """Error against sequence length, one line per model, log-log (notebook 07).

    ``errors`` maps a model's name to ``{length: error}`` or to ``{length: [error per seed]}``;
    several seeds are drawn as their median with a band from the smallest to the largest.
    Returns the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4))
    styles = ["-o", "--s", ":^", "-.D", "-v"]
    for i, (name, by_length) in enumerate(errors.items()):
        lengths = sorted(by_length)
        values = [np.atleast_1d(np.asarray(by_length[n], dtype=float)) for n in lengths]
        # a floor keeps exact (zero) errors on the log axis
        median = np.maximum([np.median(v) for v in values], 1e-12)
        line = ax.plot(lengths, median, styles[i % len(styles)], label=name)[0]
        if max(len(v) for v in values) > 1:
            low = np.maximum([v.min() for v in values], 1e-12)
            high = np.maximum([v.max() for v in values], 1e-12)
            ax.fill_between(lengths, low, high, color=line.get_color(), alpha=0.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length (time steps)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax
