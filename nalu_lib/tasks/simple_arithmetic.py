"""The simple arithmetic task of Heim, Pevny & Smidl (2020), section 4.2, and its committed run.

One model with two inputs and four outputs learns ``f(x, y) = (x + y, x y, x / y, sqrt(x))``
from positive inputs and is tested on a grid that holds negative inputs too. Written after the
authors' scripts in github.com/nmheim/NeuralPowerUnits: ``scripts/simple/dataset.jl`` (the data),
``scripts/simple/run.jl`` (the models, training and test errors) and
``scripts/simple/results_table.jl`` (their table, ``plots/simple_err_table.tex``).
``benchmarks/npu_simple_task.py`` trains the NPU and the RealNPU on it and writes
:data:`RESULTS_CSV`; notebook 10 reads it.
"""

from __future__ import annotations

import csv
import pathlib

import keras
import numpy as np

from nalu_lib.checks import check_integer, check_seeds

__all__ = [
    "BATCH_SIZE",
    "HIDDEN",
    "LEARNING_RATE",
    "OUTPUTS",
    "PUBLISHED",
    "RESULTS_CSV",
    "STEPS",
    "TRAIN_RANGE",
    "SimpleArithmeticStream",
    "load_results",
    "model",
    "summarize",
    "targets",
    "test_errors",
    "test_grids",
]

#: The four outputs, in order.
OUTPUTS = ("add", "mul", "div", "sqrt")
#: Training inputs, both from U[0.1, 2.1): ``rand(Float32, 2, 100) .* 2 .+ 0.1f0`` (``dataset.jl``;
#: the paper's section 4.2 writes U(0.1, 2)).
TRAIN_RANGE = (0.1, 2.1)
#: Examples per step, fresh at every step (``generate_pos`` of ``dataset.jl``).
BATCH_SIZE = 100
#: Steps (``:niters => 20000``) and Adam's learning rate (``:lr => 0.005``) of the NPU runs in
#: ``run.jl``; the paper's text says 0.001.
STEPS = 20_000
LEARNING_RATE = 0.005
#: Hidden units: ``Chain(GatedNPUX(2, 6), NAU(6, 4))`` in ``run.jl``.
HIDDEN = 6

#: Table A2 of the paper as its LaTeX source numbers it (``papers/main.tex``), the file
#: ``plots/simple_err_table.tex``: each unit's test error per output, ``(value, +-)`` over 20
#: runs. The caption says median and median absolute deviation; ``results_table.jl``, which
#: wrote the file, computes the mean and the standard error of the mean (``std / sqrt(n)``).
PUBLISHED = {
    "NPU": {"add": (0.2, 0.11), "mul": (0.37, 0.23), "div": (0.23, 0.13), "sqrt": (0.031, 0.025)},
    "RealNPU": {"add": (0.08, 0.021), "mul": (0.066, 0.026), "div": (0.085, 0.038), "sqrt": (0.004, 0.001)},
    "NMU": {"add": (0.2, 0.18), "mul": (0.005, 0.004), "div": (11.399, 0.035), "sqrt": (0.16, 0.002)},
    "NALU": {"add": (2.69, 0.22), "mul": (4.55, 0.2), "div": (3.33, 0.18), "sqrt": (0.034, 0.006)},
    "iNALU": {"add": (2.18, 0.13), "mul": (3.453, 0.065), "div": (2.54, 0.26), "sqrt": (0.049, 0.011)},
    "Dense": {"add": (2.103, 0.04), "mul": (3.546, 0.035), "div": (14.16, 0.23), "sqrt": (0.084, 0.007)},
}

#: The committed run, shipped inside the package (``benchmarks/npu_simple_task.py`` writes it).
RESULTS_CSV = pathlib.Path(__file__).resolve().parents[1] / "results" / "npu_simple_task.csv"


def targets(x) -> np.ndarray:
    """``(x + y, x y, x / y, sqrt(x))`` for inputs ``x`` of shape ``(n, 2)``: ``(n, 4)``, float64."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got {x.shape}")
    a, b = x[:, 0], x[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.stack([a + b, a * b, a / b, np.sqrt(a)], axis=1)


def test_grids() -> tuple[np.ndarray, np.ndarray]:
    """The two test grids of ``run.jl``'s ``result_dict``, float32: every pair of
    ``-4.1:0.2:4`` (41 values, -4.1 to 3.9: no zero, 1681 pairs) for ``+``, ``x`` and ``/``, and
    of ``0.1:0.1:4`` (40 values, 1600 pairs) for the square root."""
    signed = (-4.1 + 0.2 * np.arange(41)).astype(np.float32)
    positive = (0.1 * np.arange(1, 41)).astype(np.float32)
    grid = lambda v: np.stack(np.meshgrid(v, v, indexing="ij"), axis=-1).reshape(-1, 2)  # noqa: E731
    return grid(signed), grid(positive)


def test_errors(predict) -> np.ndarray:
    """Each model's mean absolute error per output on :func:`test_grids`, as ``run.jl`` computes
    them (``mean(abs, t[i, :] - f_i(xy))``): ``(n_models, 4)`` in the order of :data:`OUTPUTS`.

    ``predict(x)`` returns ``(n_models, n, 4)`` or, for one model, ``(n, 4)``, such as
    :meth:`nalu_lib.Ensemble.predict`.
    """
    signed, positive = test_grids()
    errors = []
    for grid, outputs in ((signed, [0, 1, 2]), (positive, [3])):
        prediction = np.asarray(predict(grid), dtype=np.float64)
        if prediction.ndim == 2:
            prediction = prediction[None]
        truth = targets(grid)
        errors.append(np.mean(np.abs(prediction[..., outputs] - truth[:, outputs]), axis=1))
    return np.concatenate(errors, axis=1)


def model(unit_class) -> keras.Sequential:
    """``unit_class(6)`` then a linear layer of 4 outputs without bias: ``run.jl``'s
    ``Chain(GatedNPUX(2, 6), NAU(6, 4))``, whose ``NAU`` (``src/nau.jl``) is ``W * x`` with
    Glorot-uniform ``W``, neither clipped nor regularised."""
    return keras.Sequential(
        [unit_class(HIDDEN), keras.layers.Dense(len(OUTPUTS), use_bias=False, kernel_initializer="glorot_uniform")]
    )


class SimpleArithmeticStream:
    """Fresh training inputs for every step, from U[0.1, 2.1), shared by every seed, made inside
    the compiled graph (a counter-based hash of ``(data_seed, step, slot)``, the same on every
    machine). :func:`nalu_lib.train_many` takes it as ``x``; ``batch(step)`` returns inputs
    ``(batch_size, 2)`` and their four targets ``(batch_size, 4)``. In the authors' runs every
    run draws its own inputs."""

    def __init__(self, batch_size: int = BATCH_SIZE, data_seed: int = 0):
        self.batch_size = check_integer("batch_size", batch_size, minimum=1)
        self.data_seed = check_integer("data_seed", data_seed, minimum=0)
        self.example = np.full((1, 2), 1.0, dtype=np.float32)

    def batch(self, step):
        import tensorflow as tf

        from nalu_lib.engine.batches import counter_hash

        h = counter_hash(self.data_seed ^ 0x51A7B00C, step, 2 * self.batch_size)
        bits = tf.bitwise.bitwise_and(tf.bitwise.right_shift(h, 8), 0xFFFFFF)
        low, high = TRAIN_RANGE
        x = tf.reshape(low + (high - low) * tf.cast(bits, tf.float32) * (1.0 / 16777216.0), (self.batch_size, 2))
        a, b = x[:, 0], x[:, 1]
        return x, tf.stack([a + b, a * b, a / b, tf.sqrt(a)], axis=1)


#: The columns of :data:`RESULTS_CSV`, one row per run.
CSV_COLUMNS = ["unit", "seed", *OUTPUTS, "max_abs_W_im", "steps", "batch_size", "learning_rate", "seconds"]


def load_results(path: pathlib.Path | str | None = None) -> dict[str, list[dict]]:
    """The committed run (or the CSV at ``path``): ``{unit: [row per seed]}``, numbers as floats
    and ints (notebook 10)."""
    path = pathlib.Path(path) if path is not None else RESULTS_CSV
    runs: dict[str, list[dict]] = {}
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            parsed = {"unit": row["unit"], "seed": int(row["seed"]), "steps": int(row["steps"])}
            parsed |= {key: float(row[key]) for key in (*OUTPUTS, "max_abs_W_im", "learning_rate", "seconds")}
            parsed["batch_size"] = int(row["batch_size"])
            runs.setdefault(row["unit"], []).append(parsed)
    return runs


def summarize(rows: list[dict]) -> dict[str, tuple[float, float]]:
    """Per output, the mean test error over ``rows`` (one per run) and the standard error of the
    mean, as ``results_table.jl`` computes the published table: ``{output: (mean, se)}``."""
    check_seeds([row["seed"] for row in rows])  # one row per seed, no repeats
    summary = {}
    for output in OUTPUTS:
        values = np.array([row[output] for row in rows], dtype=np.float64)
        spread = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
        summary[output] = (float(values.mean()), float(spread))
    return summary
