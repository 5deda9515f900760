"""The playground of notebook 06: pick an operation, a unit and the training settings, press
Train, watch the loss fall, then see how the unit does far beyond its training range.

Two layers, so that the logic runs (and is tested) without a browser:

* :class:`Settings`, :func:`train_playground` and :func:`weights_report`: plain Python. The
  notebook's static cell uses them to show the default settings where widgets cannot run (on
  GitHub, in a test run).
* :class:`Playground`: the ipywidgets front end. Its Train button calls :meth:`Playground.train`,
  which redraws the loss curve while :func:`nalu_lib.train` runs (through its ``callback``) and
  then shows :meth:`PlaygroundResult.plot` and the learned weights. Bad settings show a message
  in the widget, never a traceback.

Units come from a registry, :data:`UNITS`: the MLP and every unit the notebooks teach (NAC, NALU,
NAU, NMU in notebooks 01 to 05; NPU, RealNPU, iNALU in notebook 10). :func:`register_unit` adds
one more.
"""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from nalu_lib import evaluation
from nalu_lib.checks import check_integer, check_number
from nalu_lib.engine.loop import TrainLog
from nalu_lib.engine.train import train
from nalu_lib.models import mlp
from nalu_lib.notebook import plots
from nalu_lib.tasks.article import random_pairs
from nalu_lib.tasks.operations import apply_op
from nalu_lib.units import INALU, NAC, NALU, NAU, NMU, NPU, RealNPU

__all__ = [
    "CLOSE",
    "EXACT",
    "OPERATIONS",
    "UNITS",
    "Playground",
    "PlaygroundResult",
    "Settings",
    "Unit",
    "extrapolation_line",
    "register_unit",
    "train_playground",
    "weights_report",
]

#: The operations the playground offers: name -> (label for the menu, formula for the plots).
OPERATIONS = {
    "add": ("add: x1 + x2", "x1 + x2"),
    "sub": ("subtract: x1 - x2", "x1 - x2"),
    "mul": ("multiply: x1 \u00d7 x2", "x1 \u00d7 x2"),
    "div": ("divide: x1 / x2", "x1 / x2"),
}

#: How many times wider than the training range the extrapolation line reaches.
EXTRAPOLATION_FACTOR = 100
#: The most steps the playground trains for (a few seconds).
MAX_STEPS = 100_000
#: Number of training pairs, drawn uniformly from the training range.
N_TRAIN = 1000
#: Largest relative error far out at which a unit counts as exact: float32's rounding.
EXACT = 1e-6
#: Largest relative error far out at which a unit counts as extrapolating (exercise 1's bar).
CLOSE = 1e-4


# --------------------------------------------------------------------------- the units


@dataclass(frozen=True)
class Unit:
    """A unit the playground can train: its name, a function that builds an unbuilt model with
    one output from two inputs, and one line on what it is (the values of :data:`UNITS`,
    notebook 06)."""

    name: str
    build: Callable[[], keras.Model]
    description: str


#: Every unit the playground offers, by name, in menu order.
UNITS: dict[str, Unit] = {}


def register_unit(name: str, build: Callable[[], keras.Model], description: str) -> Unit:
    """Offer one more unit in the playground (notebook 06); returns it.

    ``build`` returns a new, unbuilt Keras model mapping two inputs to one output; it is called
    after seeding, so its initial weights depend on the seed alone.
    """
    if not callable(build):
        raise ValueError(f"build must be a function that returns a model, got {build!r}")
    UNITS[name] = Unit(name, build, description)
    return UNITS[name]


def _one_layer(layer_class) -> Callable[[], keras.Model]:
    def build() -> keras.Model:
        return keras.Sequential([layer_class(1)], name=layer_class.__name__.lower())

    return build


register_unit("MLP", lambda: mlp((8, 8, 8), "relu"), "three hidden layers of 8 ReLU units (notebook 01)")
register_unit("NAC", _one_layer(NAC), "neural accumulator: adds and subtracts (notebook 02)")
register_unit("NALU", _one_layer(NALU), "a NAC and a NAC in log space, mixed by a gate (notebook 03)")
register_unit("NAU", _one_layer(NAU), "neural addition unit: adds and subtracts (notebook 05)")
register_unit("NMU", _one_layer(NMU), "neural multiplication unit: multiplies (notebook 05)")
register_unit("NPU", _one_layer(NPU), "neural power unit: products of powers of its inputs, of any sign (notebook 10)")
register_unit("RealNPU", _one_layer(RealNPU), "the NPU with real weights only (notebook 10)")
register_unit("iNALU", _one_layer(INALU), "improved NALU: own weights per path, and a product's sign (notebook 10)")


# --------------------------------------------------------------------------- settings and training


@dataclass(frozen=True)
class Settings:
    """Everything the playground's widgets set; the defaults train in well under a second.

    Attributes:
        operation: ``"add"``, ``"sub"``, ``"mul"`` or ``"div"`` (:data:`OPERATIONS`).
        unit: A name in :data:`UNITS`.
        low, high: The training range: both inputs are drawn uniformly from ``[low, high)``.
        steps: Optimizer steps (full batch).
        learning_rate: Adam's learning rate.
        seed: Seeds the training data and the initial weights.

    Notebook 06 uses it.
    """

    operation: str = "mul"
    unit: str = "NALU"
    low: float = 1.0
    high: float = 10.0
    steps: int = 2000
    learning_rate: float = 0.05
    seed: int = 0

    def check(self) -> Settings:
        """Raise ``ValueError`` with a readable message for settings that cannot train; return the
        settings otherwise. :func:`train_playground` calls it (notebook 06)."""
        if self.operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}, got {self.operation!r}")
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {self.unit!r}")
        check_number("low", self.low)
        check_number("high", self.high)
        if isinstance(self.steps, bool) or not isinstance(self.steps, numbers.Integral) or self.steps < 1:
            raise ValueError(f"steps must be a positive integer (1 or more), got steps={self.steps!r}")
        if self.steps > MAX_STEPS:
            raise ValueError(f"steps: at most {MAX_STEPS} in the playground, to keep it quick; got steps={self.steps}")
        check_integer("seed", self.seed, minimum=0)
        if not self.low < self.high:
            raise ValueError(
                f"the training range is empty: low must be smaller than high, got low={self.low:g}, high={self.high:g}"
            )
        return self


@dataclass
class PlaygroundResult:
    """What :func:`train_playground` returns: the trained model and how it does far out.

    Attributes:
        settings: The settings it was trained with.
        model: The trained Keras model.
        history: Its :class:`nalu_lib.TrainLog` (loss per step, wall time).
        x_train: The training inputs, shape ``(N_TRAIN, 2)``.
        sweep: ``x1`` along the extrapolation line, shape ``(n,)``.
        x2: The fixed second input along that line.
        x_far, y_far: The inputs ``(n, 2)`` and true answers ``(n, 1)`` along the line.
        prediction: The model's answers there, ``(n, 1)``.
        factor: How many times wider than the training range the line reaches.

    Notebook 06 uses it.
    """

    settings: Settings
    model: keras.Model
    history: TrainLog
    x_train: np.ndarray
    sweep: np.ndarray
    x2: float
    x_far: np.ndarray
    y_far: np.ndarray
    prediction: np.ndarray
    factor: float = EXTRAPOLATION_FACTOR

    @property
    def relative_errors(self) -> np.ndarray:
        """The relative error at each point of the extrapolation line, shape ``(n, 1)`` (the right
        panel of :meth:`plot`)."""
        return evaluation.relative_error(self.prediction, self.y_far)

    @property
    def far_error(self) -> float:
        """The largest relative error along the extrapolation line (notebook 06)."""
        return float(np.max(self.relative_errors))

    @property
    def formula(self) -> str:
        """The operation as the plots write it, ``"x1 + x2"``."""
        return OPERATIONS[self.settings.operation][1]

    @property
    def headline(self) -> str:
        """One line naming the unit, the operation, the training range and the seed: the title of
        :meth:`plot` in notebook 06."""
        s = self.settings
        return f"{s.unit} learning {self.formula} on [{s.low:g}, {s.high:g}], seed {s.seed}"

    @property
    def extrapolates(self) -> bool:
        """Whether the largest relative error far out is at most :data:`CLOSE` (notebook 06's
        exercise 1)."""
        return self.far_error <= CLOSE

    def story(self) -> str:
        """What the run shows, in sentences computed from it, for any settings (notebook 06's
        static cells print it instead of prose written for one setting)."""
        s = self.settings
        loss = np.asarray(self.history.loss, dtype=np.float64)
        final = float(loss[-1])
        lines = []
        if np.isfinite(final):
            near = np.flatnonzero(loss <= 10 * final) if final > 0 else np.flatnonzero(loss <= 0)
            lines.append(
                f"The loss falls from {loss[0]:.1e} to {final:.1e}; it is within a factor of 10 of its final "
                f"value after {int(near[0]) + 1} of {len(loss)} steps."
            )
        far = f"x1 from {self.sweep.min():g} to {self.sweep.max():g}"
        if self.far_error <= EXACT:
            verdict = (
                f"within float32's rounding (at most {EXACT:g}): the {s.unit} computes {self.formula} itself, "
                f"not an approximation of it, for {far}, after seeing no input outside [{s.low:g}, {s.high:g}]."
            )
        elif self.extrapolates:
            verdict = f"small but above float32's rounding: the {s.unit} almost computes {self.formula} for {far}."
        else:
            verdict = (
                f"far above float32's rounding: the {s.unit} fits [{s.low:g}, {s.high:g}] at best, and does not "
                f"extrapolate {self.formula} to {far}."
            )
        lines.append(f"Far out, its largest relative error is {self.far_error:.1e}, {verdict}")
        return "\n".join(lines)

    def plot(self, fig=None):
        """What the playground shows after training (notebook 06), three panels in a row.

        Left, the loss per step; middle, the model's prediction against the truth along a line of
        inputs reaching far beyond the training range (``x1`` swept, ``x2`` fixed inside the range;
        the training range is shaded); right, the relative error along that line on a log scale,
        where an error of exactly 0 is drawn at 1e-12. ``fig`` is a matplotlib figure to draw on
        (the widget passes one that pyplot does not manage), else a new one. Returns the three axes.
        """
        if fig is None:
            fig = plt.figure(figsize=(13, 4.3), layout="constrained")
        ax_loss, ax_pred, ax_err = fig.subplots(1, 3)
        settings = self.settings
        unit_colour = plots.OKABE_ITO[6]  # vermillion; the truth is black and dashed
        plots.loss_curves({settings.unit: self.history.loss}, ax=ax_loss, title="Training loss")
        ax_loss.get_legend().remove()
        ax_loss.lines[0].set_color(unit_colour)

        sweep = np.asarray(self.sweep, dtype=np.float64)
        truth = np.ravel(self.y_far)
        prediction = np.ravel(self.prediction)
        train_range = (settings.low, settings.high)
        plots.shade_training_range(ax_pred, train_range)
        # the unit's answers thick and underneath, the truth thin, dashed and on top: both stay
        # visible where they agree
        ax_pred.plot(
            sweep,
            np.where(np.isfinite(prediction), prediction, np.nan),
            color=unit_colour,
            lw=4,
            alpha=0.8,
            label=f"{settings.unit}'s answers",
        )
        ax_pred.plot(sweep, truth, color="black", ls="--", lw=1.5, label="truth", zorder=3)
        ax_pred.set(
            xlabel=f"x1 (x2 fixed at {self.x2:g})",
            ylabel=self.formula,
            title=f"{self.factor:g}\u00d7 beyond the training range",
        )
        ax_pred.set_xlim(float(sweep.min()), float(sweep.max()))
        log_x = bool(sweep.min() > 0)
        finite = prediction[np.isfinite(prediction)]
        log_y = bool(truth.min() > 0 and finite.size and finite.min() > 0 and truth.max() > 100 * truth.min())
        ax_pred.set(xscale="log" if log_x else "linear", yscale="log" if log_y else "linear")
        if log_y:
            ax_pred.set_ylabel(f"{self.formula} (log scale)")

        errors = np.ravel(self.relative_errors)
        plots.shade_training_range(ax_err, train_range)
        ax_err.plot(sweep, np.clip(errors, 1e-12, 1e12), color=unit_colour, lw=1.2)
        ax_err.axhline(np.finfo(np.float32).eps, color="0.3", ls=":", lw=1.5, label="float32 rounding")
        ax_err.set(
            xlabel="x1",
            ylabel="relative error (log scale; 0 drawn at 1e-12)",
            xscale="log" if log_x else "linear",
            yscale="log",
            title=f"Largest relative error: {self.far_error:.1e}",
        )
        ax_err.set_xlim(float(sweep.min()), float(sweep.max()))
        # one legend for the three panels, below them, where it hides no data
        handles, labels = [], []
        for ax in (ax_pred, ax_err):
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                if label not in labels:
                    handles.append(handle)
                    labels.append(label)
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize="small", frameon=False)
        fig.suptitle(self.headline)
        return np.array([ax_loss, ax_pred, ax_err])

    def summary(self) -> str:
        """Two lines on the run, rounded so they read the same on every machine (notebook 06)."""
        s = self.settings
        return (
            f"{self.headline}: {s.steps} steps at learning rate {s.learning_rate:g}, "
            f"final loss {float(self.history.final_loss):.1e}\n"
            f"largest relative error up to {self.factor:g}\u00d7 beyond the training range: {self.far_error:.1e}"
        )


def extrapolation_line(
    low: float, high: float, factor: float = EXTRAPOLATION_FACTOR, n: int = 401
) -> tuple[np.ndarray, float]:
    """Where the playground tests a trained unit: ``(x1 values, x2)`` (notebook 06).

    ``x1`` runs over a range ``factor`` times as wide as the training range ``[low, high]``:
    from ``low`` upward when the range is non-negative (evenly spaced on a log scale when
    ``low > 0``), down to ``high`` when it is non-positive, centred on it otherwise. ``x2``
    stays fixed inside the training range, at its middle, or at three quarters of it when the
    middle is close to 0 (dividing by almost 0 would only show rounding).
    """
    width = high - low
    if low > 0:  # evenly spaced on a log scale, where the plots show it
        return np.geomspace(low, low + factor * width, n), _fixed_x2(low, high)
    if low >= 0:
        start, stop = low, low + factor * width
    elif high <= 0:
        start, stop = high - factor * width, high
    else:
        centre = (low + high) / 2
        start, stop = centre - factor * width / 2, centre + factor * width / 2
    return np.linspace(start, stop, n), _fixed_x2(low, high)


def _fixed_x2(low: float, high: float) -> float:
    width = high - low
    middle = (low + high) / 2
    return float(middle if abs(middle) >= 0.1 * width else low + 0.75 * width)


def train_playground(settings: Settings | None = None, callback: Callable | None = None) -> PlaygroundResult:
    """Train ``settings.unit`` on ``settings.operation`` and test it far out (notebook 06).

    The training data are :data:`N_TRAIN` pairs drawn uniformly from ``[low, high)`` with
    ``seed``; training is :func:`nalu_lib.train` with ``steps``, ``learning_rate`` and
    ``seed``, and ``callback(steps_done, loss_so_far)`` is passed on to it. The test inputs lie
    on :func:`extrapolation_line`.

    Raises:
        ValueError: for settings that cannot train (an empty range, no steps, a learning rate
            that is not positive, an unknown unit or operation).
        FloatingPointError: if the loss becomes NaN or infinite.
    """
    settings = (settings or Settings()).check()
    x_train, y_train = random_pairs(
        settings.operation, n=N_TRAIN, low=settings.low, high=settings.high, seed=settings.seed
    )
    built = []  # train() builds the model after seeding; keep a handle on it

    def build() -> keras.Model:
        built.append(UNITS[settings.unit].build())
        return built[-1]

    history = train(
        build,
        x_train,
        y_train,
        steps=settings.steps,
        learning_rate=settings.learning_rate,
        seed=settings.seed,
        callback=callback,
    )
    trained = built[-1]
    sweep, x2 = extrapolation_line(settings.low, settings.high)
    x_far = np.column_stack([sweep, np.full_like(sweep, x2)]).astype(np.float32)
    y_far = apply_op(settings.operation, x_far[:, 0], x_far[:, 1])[:, None]
    with np.errstate(all="ignore"):
        prediction = evaluation.predict(trained, x_far)
    return PlaygroundResult(settings, trained, history, x_train, sweep, x2, x_far, y_far, prediction)


def weights_report(result: PlaygroundResult) -> str:
    """The learned weights as text, rounded to 4 decimals (notebook 06).

    For each arithmetic layer, its effective weight ``W`` per input (the NAC's and NALU's
    ``tanh(W_hat) * sigmoid(M_hat)``, the NAU's and NMU's ``W``), and for a NALU the mean of its
    gate over the training data. An MLP's weights are only counted: no single one of them
    means anything on its own.
    """
    model = result.model
    lines = []
    arithmetic = [layer for layer in model.layers if hasattr(layer, "W")]
    if not arithmetic:
        count = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        return (
            f"{result.settings.unit}: {count} weights in {len(dense)} Dense layers. "
            "No single one of them says what the network computes."
        )
    for layer in arithmetic:
        W = np.asarray(layer.W, dtype=np.float64)
        inputs = [f"x{i + 1}" for i in range(W.shape[0])] if layer is model.layers[0] else None
        inputs = inputs or [f"h{i + 1}" for i in range(W.shape[0])]
        columns = {"input": inputs}
        for j in range(W.shape[1]):
            columns[f"W[:, {j}]" if W.shape[1] > 1 else "W"] = [f"{w:.4f}" for w in W[:, j]]
        lines.append(f"{type(layer).__name__} layer, its weight W:")
        lines.append(evaluation.format_table(columns))
        if callable(getattr(layer, "gate", None)) and layer is model.layers[0]:
            gate = float(np.mean(layer.gate(result.x_train)))
            lines.append(
                f"mean gate over the training data: {gate:.3f} (1: adds and subtracts, 0: multiplies and divides)"
            )
    return "\n".join(lines)


def _image_output(figure, description: str) -> dict:
    """A figure as a Jupyter ``display_data`` output (a PNG), for an Output widget's outputs."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"output_type": "display_data", "data": {"image/png": png, "text/plain": f"<{description}>"}, "metadata": {}}


# --------------------------------------------------------------------------- the widgets


class Playground:
    """The widgets of notebook 06: settings, a Train button, a live loss curve, the results.

    Display it by ending a cell with it. ``Playground().train()`` does what the button does,
    from code or a test; the widgets are attributes (``operation``, ``unit``, ``low``,
    ``high``, ``steps``, ``learning_rate``, ``seed``, ``train_button``, ``message``, ``live``,
    ``result``) and the whole is :attr:`widget`.

    Args:
        settings: The values the widgets start with (default :class:`Settings`).
        redraw_seconds: Least time between two redraws of the live loss curve: drawing costs
            more than 40 training steps of these tiny models.
    """

    def __init__(self, settings: Settings | None = None, redraw_seconds: float = 0.3):
        import ipywidgets as w

        settings = settings or Settings()
        self.redraw_seconds = redraw_seconds
        self.last_result: PlaygroundResult | None = None
        #: How often the live loss curve was drawn in the last run.
        self.live_draws = 0
        self._last_draw = -math.inf
        style = {"description_width": "initial"}
        self.operation = w.Dropdown(
            options=[(label, op) for op, (label, _) in OPERATIONS.items()],
            value=settings.operation,
            description="operation",
            style=style,
        )
        self.unit = w.Dropdown(options=list(UNITS), value=settings.unit, description="unit", style=style)
        self.low = w.FloatText(value=settings.low, description="training range: low", style=style)
        self.high = w.FloatText(value=settings.high, description="high", style=style)
        self.steps = w.IntText(value=settings.steps, description="steps", style=style)
        self.learning_rate = w.FloatText(value=settings.learning_rate, description="learning rate", style=style)
        self.seed = w.IntText(value=settings.seed, description="seed", style=style)
        self.train_button = w.Button(description="Train", button_style="primary", icon="play", tooltip="train")
        self.message = w.HTML(value="Choose the settings and press <b>Train</b>.")
        self.live = w.Output()
        self.result = w.Output()
        narrow = w.Layout(width="260px")
        for box in (self.low, self.high, self.steps, self.learning_rate, self.seed):
            box.layout = narrow
        self.unit_help = w.HTML(value=self._unit_help())
        self.unit.observe(lambda _change: setattr(self.unit_help, "value", self._unit_help()), names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.operation, self.unit, self.unit_help]),
                w.HBox([self.low, self.high]),
                w.HBox([self.steps, self.learning_rate, self.seed]),
                w.HBox([self.train_button, self.message]),
                self.live,
                self.result,
            ]
        )
        self.widget.add_class("nalu-playground")
        self.message.add_class("nalu-playground-message")
        self.live.add_class("nalu-playground-live")
        self.result.add_class("nalu-playground-result")
        self.train_button.on_click(lambda _button: self.train())

    def _unit_help(self) -> str:
        unit = UNITS.get(self.unit.value)
        return f"<i>{html.escape(unit.description)}</i>" if unit else ""

    def settings(self) -> Settings:
        """The settings the widgets show now, as :class:`Settings` (what :meth:`train` uses)."""
        return Settings(
            operation=self.operation.value,
            unit=self.unit.value,
            low=float(self.low.value),
            high=float(self.high.value),
            steps=int(self.steps.value),
            learning_rate=float(self.learning_rate.value),
            seed=int(self.seed.value),
        )

    def _say(self, text: str, kind: str = "info") -> None:
        colour = {"info": "inherit", "error": "#b00020", "done": "#1b5e20"}[kind]
        self.message.value = f'<span style="color: {colour}">{text}</span>'

    def _draw_live(self, loss, total_steps: int) -> None:
        """Redraw the live loss curve, at most every ``redraw_seconds``: ``train``'s callback."""
        now = time.perf_counter()
        if now - self._last_draw < self.redraw_seconds:
            return
        self._last_draw = now
        figure = Figure(figsize=(7, 2.8), layout="constrained")
        plots.live_loss(loss, total_steps, ax=figure.subplots())
        # Replacing the outputs in one assignment swaps the picture without a flicker, the way
        # ``clear_output(wait=True)`` would, and works outside a kernel too (in the tests).
        self.live.outputs = (_image_output(figure, "live loss curve"),)
        self.live_draws += 1

    def train(self) -> PlaygroundResult | None:
        """Train with the current settings, as the Train button does; returns the result, or
        ``None`` (and a message in the widget) when the settings cannot train. Notebook 06's
        button calls it."""
        self.train_button.disabled = True
        self.live.outputs = ()
        self.result.outputs = ()
        self._last_draw = -math.inf
        self.live_draws = 0
        self.last_result = None
        try:
            settings = self.settings()
            self._say(f"Training {html.escape(settings.unit)}\u2026")
            started = time.perf_counter()
            result = train_playground(settings, callback=lambda _done, loss: self._draw_live(loss, settings.steps))
            seconds = time.perf_counter() - started
        except (ValueError, FloatingPointError) as error:
            self._say(f"<b>Cannot train with these settings.</b> {html.escape(str(error))}", "error")
            return None
        except Exception as error:  # a bug, not a bad setting: still no traceback in the widget
            self._say(f"<b>Something went wrong</b> ({type(error).__name__}): {html.escape(str(error))}", "error")
            return None
        finally:
            self.live.outputs = ()
            self.train_button.disabled = False
        figure = Figure(figsize=(13, 3.8), layout="constrained")
        result.plot(fig=figure)
        self.result.outputs = (
            _image_output(figure, result.headline),
            {"output_type": "stream", "name": "stdout", "text": weights_report(result) + "\n"},
        )
        self._say(
            f"Trained in {seconds:.1f} s. Largest relative error up to {result.factor:g}\u00d7 beyond the "
            f"training range: <b>{result.far_error:.1e}</b>",
            "done",
        )
        self.last_result = result
        return result

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = (
            "The playground's widgets appear here when the notebook runs in JupyterLab, Jupyter "
            "Notebook or Colab. The cells below show what Train gives with the settings it starts with."
        )
        return bundle
