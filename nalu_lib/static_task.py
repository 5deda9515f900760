"""Madsen & Johansen's (2020) static arithmetic task at their full protocol, for many seeds at once.

Their protocol (the paper, section 4.1, and their code, ``experiments/simple_function_static.py``
and ``stable_nalu/dataset/_simple_function_abstact.py`` in AndreasMadsen/stable-nalu):

* 100 inputs; ``a`` sums 25 consecutive inputs from a random offset, ``b`` the 25 that start 13
  later (they share 12); the offset is drawn per seed, ``RandomState(seed).randint(0, 63)``.
* Training inputs from U[1, 2], fresh for every step, batches of 128; 10,000 validation inputs
  from U[1, 2] and 10,000 test (extrapolation) inputs from U[2, 6], the same for every seed.
* Two layers with 2 hidden units; Adam at learning rate 1e-3 with PyTorch's defaults; up to
  5 million steps; the NAU and NMU with a sparsity regulariser ramped in linearly.
* Evaluation every 1000 steps. Model selection: the step with the lowest validation error
  among the last 5000 evaluations. Success: the selected step's extrapolation error is below
  the error of a solution whose weights are all 1e-5 from exact. "Solved at": the first
  evaluation whose extrapolation error is below that threshold.

:func:`run_cell` trains one cell (a model on an operation) for every seed at once with
:func:`nalu_lib.train_many`; ``benchmarks/static_task_table.py`` runs the table, and
notebooks 04 and 05 read its committed results (:func:`load_results`).

Where this differs from their runs:

* One stream of training inputs for all seeds of a cell (each seed still has its own subsets,
  targets and weights), so that the inputs meet every seed's weights in one matrix product;
  theirs draws a stream per seed. ``per_seed_inputs=True`` does as they do: on the NAU's
  addition both give 100% of 100 seeds (``benchmarks/results/``).
* Keras's Adam adds epsilon (1e-8) to ``sqrt(v)`` where PyTorch's adds it to the
  bias-corrected ``sqrt(v / (1 - beta_2^t))``: in effect an epsilon of
  ``1e-8 / sqrt(1 - 0.999^t)``, larger in the first few thousand steps, which matters only
  for weights whose gradients are that small.
* A cell stops when its outcome is settled (every seed a success for 100 evaluations after the
  regulariser's ramp), or at 5 million steps. It runs in parts of at most a time limit (30
  minutes in the benchmark), each continuing the last from a checkpoint; a row whose stop
  reason is a time limit without a checkpoint to continue it is a cell that was stopped there.
"""

from __future__ import annotations

import csv
import math
import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from nalu_lib.checks import check_integer, check_number, check_seeds
from nalu_lib.ensemble import Ensemble, train_many
from nalu_lib.evaluation import format_table, success_rate
from nalu_lib.layers import NAC, NALU, NAU, NMU, nac_weight

__all__ = [
    "CELLS",
    "PUBLISHED",
    "RESULTS_CSV",
    "Cell",
    "CellResult",
    "StaticTaskStream",
    "evaluation_sets",
    "format_side_by_side",
    "load_results",
    "nac_init_limit",
    "published_threshold",
    "run_cell",
    "side_by_side",
    "subset_offset",
    "summarize",
]

INPUT_SIZE = 100
SUBSET_SIZE = 25
OVERLAP = 12
BATCH_SIZE = 128
INTERPOLATION = (1.0, 2.0)
EXTRAPOLATION = (2.0, 6.0)
EVALUATE_EVERY = 1000
MAX_STEPS = 5_000_000
#: Model selection looks at this many of the last evaluations (their ``best.range``).
SELECTION_WINDOW = 5000
#: The seeds of their fixed validation and test sets.
VALIDATION_SEED, TEST_SEED = 43953907, 8689336
#: The committed results, shipped inside the package so that a notebook opened alone reads them.
RESULTS_CSV = pathlib.Path(__file__).parent / "results" / "static_task_table.csv"


def subset_offset(seed: int, input_size: int = INPUT_SIZE) -> int:
    """Where ``a``'s subset starts for ``seed``: their ``RandomState(seed).randint(0, 63)``."""
    used = 2 * SUBSET_SIZE - OVERLAP
    return int(np.random.RandomState(check_integer("seed", seed, minimum=0)).randint(0, input_size - used + 1))


def _subset_matrix(seeds: list[int]) -> np.ndarray:
    """``(n_seeds, 100, 2)``: column 0 picks ``a``'s inputs, column 1 ``b``'s, per seed."""
    masks = np.zeros((len(seeds), INPUT_SIZE, 2), dtype=np.float32)
    for i, seed in enumerate(seeds):
        start = subset_offset(seed)
        masks[i, start : start + SUBSET_SIZE, 0] = 1.0
        masks[i, start + SUBSET_SIZE - OVERLAP : start + 2 * SUBSET_SIZE - OVERLAP, 1] = 1.0
    return masks


def _apply(op: str, a, b):
    return {"add": a + b, "sub": a - b, "mul": a * b}[op]


def evaluation_sets(op: str, seeds: list[int], n: int = 10_000) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Their validation (interpolation) and test (extrapolation) sets: ``{"interpolation": (x, y),
    "extrapolation": (x, y)}`` with ``x`` of shape ``(n, 100)`` shared by all seeds and ``y`` of
    shape ``(n_seeds, n, 1)``, since each seed has its own subsets. Targets are computed in
    float64, then rounded to float32, as theirs are."""
    masks = _subset_matrix(seeds).astype(np.float64)
    sets = {}
    for name, value_range, seed in (
        ("interpolation", INTERPOLATION, VALIDATION_SEED),
        ("extrapolation", EXTRAPOLATION, TEST_SEED),
    ):
        x = np.random.RandomState(seed).uniform(*value_range, size=(n, INPUT_SIZE))
        ab = np.einsum("nd,sdk->snk", x, masks)
        sets[name] = (x.astype(np.float32), _apply(op, ab[..., 0], ab[..., 1])[..., None].astype(np.float32))
    return sets


def _mix32(h):
    """MurmurHash3's 32-bit finalizer on int32 tensors (wrapping multiplication; the shifts are
    masked so that they act as unsigned ones)."""
    xor, shift, mask = tf.bitwise.bitwise_xor, tf.bitwise.right_shift, tf.bitwise.bitwise_and
    h = xor(h, mask(shift(h, 16), 0xFFFF))
    h = h * tf.constant(-2048144789, tf.int32)  # 0x85EBCA6B
    h = xor(h, mask(shift(h, 13), 0x7FFFF))
    h = h * tf.constant(-1028477387, tf.int32)  # 0xC2B2AE35
    return xor(h, mask(shift(h, 16), 0xFFFF))


def _int32(value: int) -> int:
    """A 32-bit pattern as a signed int32 value."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


class StaticTaskStream:
    """Fresh training examples for every step, made inside the compiled graph.

    ``batch(step)`` returns inputs ``(batch_size, 100)`` from U[1, 2], shared by every seed, and
    targets ``(n_seeds, batch_size, 1)``, each seed's ``op(a, b)`` over its own subsets. The
    inputs are a counter-based hash of ``(data_seed, step, position)``: the same on every
    machine, and no random generator state to carry (TensorFlow's own random ops cost ten times
    the rest of a step here). With ``per_seed_inputs=True`` every seed gets its own inputs
    ``(n_seeds, batch_size, 100)``, as in their runs, where each seed has its own stream.
    """

    def __init__(
        self,
        op: str,
        seeds: list[int],
        *,
        batch_size: int = BATCH_SIZE,
        data_seed: int = 0,
        value_range: tuple[float, float] = INTERPOLATION,
        per_seed_inputs: bool = False,
    ):
        if op not in ("add", "sub", "mul"):
            raise ValueError(f"op must be 'add', 'sub' or 'mul', got op={op!r}")
        self.op = op
        self.seeds = check_seeds(seeds)
        self.batch_size = check_integer("batch_size", batch_size, minimum=1)
        self.data_seed = check_integer("data_seed", data_seed, minimum=0)
        self.low, self.high = (float(v) for v in value_range)
        self.per_seed_inputs = bool(per_seed_inputs)
        offsets = np.array([subset_offset(seed) for seed in self.seeds], dtype=np.int32)
        self.starts = np.stack([offsets, offsets + SUBSET_SIZE - OVERLAP], axis=1)  # (seeds, 2)
        n_windows = INPUT_SIZE - SUBSET_SIZE + 1
        self.band = np.zeros((INPUT_SIZE, n_windows), dtype=np.float32)  # column k sums inputs k to k + 24
        for k in range(n_windows):
            self.band[k : k + SUBSET_SIZE, k] = 1.0
        self.example = np.full((1, INPUT_SIZE), 1.5, dtype=np.float32)

    def inputs(self, step):
        """The inputs of ``step``, uniform in ``[low, high)`` with 24 random bits each."""
        copies = len(self.seeds) if self.per_seed_inputs else 1
        count = copies * self.batch_size * INPUT_SIZE
        xor = tf.bitwise.bitwise_xor
        key = _mix32(tf.constant(_int32(self.data_seed ^ 0x2545F491), tf.int32))
        key = _mix32(xor(key, tf.cast(step, tf.int32) * tf.constant(_int32(0x27D4EB2F), tf.int32)))
        h = _mix32(xor(key, tf.range(count, dtype=tf.int32) * tf.constant(_int32(0x165667B1), tf.int32)))
        bits = tf.bitwise.bitwise_and(tf.bitwise.right_shift(h, 8), 0xFFFFFF)
        unit = tf.cast(bits, tf.float32) * (1.0 / 16777216.0)
        x = self.low + (self.high - self.low) * unit
        shape = (copies, self.batch_size, INPUT_SIZE) if self.per_seed_inputs else (self.batch_size, INPUT_SIZE)
        return tf.reshape(x, shape)

    def batch(self, step):
        """``(x, y)`` of ``step`` (see the class).

        ``a`` and ``b`` are picked from the sums of every window of 25 consecutive inputs, one
        small float32 matrix product with a band matrix: a running sum (``cumsum``) or float64
        would be more exact on paper, but XLA's CPU code for either costs more than the rest of
        the step, and float32's rounding (about 4e-6 on a sum of 25 inputs) is far below every
        success threshold (the smallest, subtraction's, is an MSE of 1.4e-8).
        """
        x = self.inputs(step)
        windows = tf.matmul(x, tf.constant(self.band))  # (..., batch, 76)
        if self.per_seed_inputs:
            a = tf.gather(windows, self.starts[:, 0:1], axis=2, batch_dims=1)
            b = tf.gather(windows, self.starts[:, 1:2], axis=2, batch_dims=1)
        else:
            a = tf.transpose(tf.gather(windows, self.starts[:, 0], axis=1))[..., None]
            b = tf.transpose(tf.gather(windows, self.starts[:, 1], axis=1))[..., None]
        return x, _apply(self.op, a, b)


def published_threshold(op: str, epsilon: float = 1e-5, n: int = 1_000_000, subset_size: int = 26) -> float:
    """Their success threshold, computed as their R script computes it.

    The extrapolation MSE (``n`` inputs from U[2, 6]) of a first layer whose subset weights are
    ``1 - epsilon`` and all others ``epsilon``, followed by an exact second layer. Their script
    (``export/function_task_static_mse_expectation.r``) indexes R's inclusive ranges, so its
    subsets have 26 inputs sharing 13, one more than the data's 25 and 12; ``subset_size=25``
    gives the threshold for the data as trained. Notebook 04 explains the threshold.
    """
    if op not in ("add", "sub", "mul"):
        raise ValueError(f"op must be 'add', 'sub' or 'mul', got op={op!r}")
    epsilon = check_number("epsilon", epsilon, positive=True)
    subset_size = check_integer("subset_size", subset_size, minimum=1)
    overlap = subset_size // 2
    rng = np.random.default_rng(0)
    a_w = np.full(INPUT_SIZE, epsilon)
    b_w = np.full(INPUT_SIZE, epsilon)
    a_w[:subset_size] = 1 - epsilon
    b_w[subset_size - overlap : 2 * subset_size - overlap] = 1 - epsilon
    total, done = 0.0, 0
    while done < n:
        x = rng.uniform(*EXTRAPOLATION, size=(min(100_000, n - done), INPUT_SIZE))
        a, b = x[:, :subset_size].sum(1), x[:, subset_size - overlap : 2 * subset_size - overlap].sum(1)
        total += float(np.sum((_apply(op, x @ a_w, x @ b_w) - _apply(op, a, b)) ** 2))
        done += len(x)
    return total / n


def nac_init_limit(fan_in: int, fan_out: int) -> float:
    """Their NAC initialisation: ``W_hat, M_hat ~ U[-r, r]`` with ``r`` such that
    ``W = tanh(W_hat) * sigmoid(M_hat)`` has variance ``2 / max(fan_in + fan_out, 5)`` (Glorot's
    variance for ``W`` itself; ``stable_nalu/layer/nac.py``)."""
    fan = max(check_integer("fan_in", fan_in, minimum=1) + check_integer("fan_out", fan_out, minimum=1), 5)

    def variance(r):
        return (1 - math.tanh(r) / r) * (r - math.tanh(r / 2)) / (2 * r)

    low, high = 1e-6, 10.0
    for _ in range(200):
        mid = (low + high) / 2
        if fan * variance(mid) - 2 > 0:
            high = mid
        else:
            low = mid
    return (low + high) / 2


def _nac(units: int, fan_in: int) -> NAC:
    r = nac_init_limit(fan_in, units)
    init = keras.initializers.RandomUniform(-r, r)
    return NAC(units, w_hat_initializer=init, m_hat_initializer=init)


def _nalu(units: int, fan_in: int) -> NALU:
    r = nac_init_limit(fan_in, units)
    init = keras.initializers.RandomUniform(-r, r)
    return NALU(
        units, w_hat_initializer=init, m_hat_initializer=init, g_initializer="glorot_uniform", log_space_dtype=None
    )


@dataclass(frozen=True)
class Cell:
    """One cell of the table: a model, an operation, and how to build the model."""

    model: str
    op: str
    build: Callable[[], keras.Sequential]
    #: The step from which no regulariser changes any more (the end of the ramp), or 0.
    settled_after: int = 0

    @property
    def name(self) -> str:
        return f"{self.model}:{self.op}"


def _cells() -> dict[str, Cell]:
    def nmu():
        kw = {"sparsity": 10.0, "sparsity_start": 1_000_000, "sparsity_end": 2_000_000}
        return keras.Sequential([NAU(2, **kw), NMU(1, **kw)], name="nau_nmu")

    def nau():
        kw = {"sparsity": 0.01, "sparsity_start": 5_000, "sparsity_end": 50_000}
        return keras.Sequential([NAU(2, **kw), NAU(1, **kw)], name="nau_nau")

    def nac():
        return keras.Sequential([_nac(2, INPUT_SIZE), _nac(1, 2)], name="nac_nac")

    def nalu():
        return keras.Sequential([_nalu(2, INPUT_SIZE), _nalu(1, 2)], name="nalu_nalu")

    def linear():
        return keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)], name="linear")

    cells = [
        Cell("NMU", "mul", nmu, 2_000_000),
        Cell("NALU", "mul", nalu),
        Cell("NAU", "add", nau, 50_000),
        Cell("NAC+", "add", nac),
        Cell("NALU", "add", nalu),
        Cell("NAU", "sub", nau, 50_000),
        Cell("NAC+", "sub", nac),
        Cell("NALU", "sub", nalu),
        Cell("Linear", "add", linear),
    ]
    return {cell.name: cell for cell in cells}


#: Every cell of the table, by name (``"NMU:mul"``), in the published table's order.
CELLS = _cells()

#: Madsen & Johansen's (2020) published results (``paper/results/function_task_static.tex``,
#: 100 seeds each): success rate, its 95% interval, and the median "solved at" step.
PUBLISHED = {
    "NMU:mul": (0.98, 0.93, 0.99, 1.4e6),
    "NALU:mul": (0.00, 0.00, 0.04, None),
    "NAU:add": (1.00, 0.96, 1.00, 1.8e4),
    "NAC+:add": (1.00, 0.96, 1.00, 2.5e5),
    "NALU:add": (0.14, 0.09, 0.22, 1.5e6),
    "NAU:sub": (1.00, 0.96, 1.00, 5.0e3),
    "NAC+:sub": (1.00, 0.96, 1.00, 9.0e3),
    "NALU:sub": (0.14, 0.09, 0.22, 1.9e6),
    "Linear:add": (1.00, 0.96, 1.00, 6.1e4),
}

#: Their thresholds as published, to compare with :func:`published_threshold`.
PUBLISHED_THRESHOLDS = {"mul": 0.1600, "add": 1.479e-5, "sub": 1.384e-8}


def _effective_weights(layer, weights: list[np.ndarray]) -> np.ndarray | None:
    """The weight a layer's sparsity error is measured on (their ``W``), stacked per seed."""
    if isinstance(layer, NAU | NMU):
        return weights[0]
    if isinstance(layer, NAC | NALU):
        return np.asarray(nac_weight(weights[0], weights[1]))
    if isinstance(layer, keras.layers.Dense):
        return weights[0]
    return None


def sparsity_error(ensemble: Ensemble) -> np.ndarray:
    """Per seed, their sparsity error: the largest ``min(|W|, |1 - |W||)`` over every layer."""
    errors = []
    for layer, weights in zip(ensemble.layers, ensemble.layer_weights(), strict=True):
        W = _effective_weights(layer, weights)
        if W is not None:
            abs_w = np.abs(W.reshape(W.shape[0], -1))
            errors.append(np.max(np.minimum(abs_w, np.abs(1 - abs_w)), axis=1))
    return np.max(errors, axis=0)


@dataclass
class CellResult:
    """What :func:`run_cell` measured: per seed, and the run's settings."""

    cell: str
    seeds: list[int]
    success: np.ndarray
    solved_at: np.ndarray  # first successful evaluation step, -1 where never
    extrapolation_mse: np.ndarray  # at the selected step
    interpolation_mse: np.ndarray  # at the selected step
    sparsity_error: np.ndarray  # at the selected step
    selected_step: np.ndarray
    steps_run: int
    max_steps: int
    stop_reason: str
    wall_seconds: float
    cpu_seconds: float
    threshold: float
    us_per_step: float


def _select(steps: np.ndarray, interpolation: np.ndarray) -> np.ndarray:
    """Their model selection: per seed, the index of the first lowest validation error among the
    last :data:`SELECTION_WINDOW` evaluations (NaN counts as worst; all NaN: the last)."""
    window = interpolation[-SELECTION_WINDOW:]
    offset = len(interpolation) - len(window)
    clean = np.where(np.isfinite(window), window, np.inf)
    index = offset + np.argmin(clean, axis=0)
    all_nan = ~np.any(np.isfinite(window), axis=0)
    return np.where(all_nan, len(interpolation) - 1, index)


def run_cell(
    name: str,
    seeds: int | list[int] = 100,
    *,
    max_steps: int = MAX_STEPS,
    stable_evaluations: int = 100,
    time_limit: float | None = None,
    per_seed_inputs: bool = False,
    n_eval: int = 10_000,
    report: Callable[[str], None] | None = None,
    checkpoint: str | pathlib.Path | None = None,
) -> CellResult:
    """Train cell ``name`` (e.g. ``"NMU:mul"``) for every seed at once and score it as they do.

    Stops before ``max_steps`` once the outcome is settled: after the regulariser's ramp has
    ended, every seed has been a success under model selection (its step with the lowest
    validation error so far extrapolates below the threshold) at each of the last
    ``stable_evaluations`` evaluations; or when ``time_limit`` seconds have passed (then the
    stop reason says so).

    With a ``checkpoint`` file, a run that stops at the time limit saves there everything it
    needs to go on (weights, Adam's state, the evaluations so far, the time spent), and a
    call that finds the file continues from it: a cell of millions of steps runs in parts of
    ``time_limit`` seconds, and the parts together are the uninterrupted run. The result
    reports the parts' total steps, wall and CPU time; the file is removed once the cell is
    done (settled or at ``max_steps``).
    """
    if name not in CELLS:
        raise ValueError(f"name must be one of {', '.join(CELLS)}, got name={name!r}")
    cell = CELLS[name]
    seeds = check_seeds(seeds)
    max_steps = check_integer("max_steps", max_steps, minimum=EVALUATE_EVERY)
    stable_evaluations = check_integer("stable_evaluations", stable_evaluations, minimum=1)
    threshold = published_threshold(cell.op)
    sets = evaluation_sets(cell.op, seeds, n_eval)
    (x_int, y_int), (x_ext, y_ext) = sets["interpolation"], sets["extrapolation"]
    record = {"step": [], "interpolation": [], "extrapolation": [], "sparsity": []}
    state = {"reason": f"reached max_steps={max_steps}", "began": time.perf_counter(), "paused": False}
    best = {"interpolation": np.full(len(seeds), np.inf), "success": np.zeros(len(seeds), bool), "streak": 0}
    checkpoint = None if checkpoint is None else pathlib.Path(checkpoint)
    earlier = {"wall": 0.0, "cpu": 0.0, "chunk_seconds": np.zeros(0), "parts": 0}
    settings = {"per_seed_inputs": per_seed_inputs, "n_eval": n_eval, "stable_evaluations": stable_evaluations}
    resume = None
    if checkpoint is not None and checkpoint.exists():
        resume = _load_checkpoint(checkpoint, name, seeds, settings, record, best, earlier)

    def mse(ensemble, x, y, initial=False):
        prediction = ensemble.predict(x, initial=initial).astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.mean((prediction - y) ** 2, axis=(1, 2))

    def evaluate(step, ensemble, initial=False):
        record["step"].append(step)
        record["interpolation"].append(mse(ensemble, x_int, y_int, initial))
        record["extrapolation"].append(mse(ensemble, x_ext, y_ext, initial))
        record["sparsity"].append(sparsity_error(ensemble) if not initial else np.full(len(seeds), np.nan))

    def monitor(done: int, ensemble: Ensemble):
        if not record["step"]:
            evaluate(0, ensemble, initial=True)
        evaluate(done, ensemble)
        # the model selection so far: a seed's selected step changes only when its validation
        # error improves; is every seed's selected step a success, and for how long?
        interpolation = np.nan_to_num(record["interpolation"][-1], nan=np.inf)
        improved = interpolation < best["interpolation"]
        best["interpolation"] = np.where(improved, interpolation, best["interpolation"])
        extrapolation = np.nan_to_num(record["extrapolation"][-1], nan=np.inf)
        best["success"] = np.where(improved, extrapolation < threshold, best["success"])
        best["streak"] = best["streak"] + 1 if np.all(best["success"]) else 0
        if report is not None and done % 100_000 == 0:
            report(f"  {name} step {done:>9,}: {np.mean(best['success']):.0%} of seeds successful so far")
        if done >= cell.settled_after and best["streak"] >= stable_evaluations:
            state["reason"] = f"settled: every seed successful for the last {stable_evaluations} evaluations"
            return True
        if time_limit is not None and time.perf_counter() - state["began"] > time_limit and done < max_steps:
            state["reason"] = f"time limit of {time_limit:.0f} s"
            state["paused"] = True
            return True
        return None

    stream = StaticTaskStream(cell.op, seeds, per_seed_inputs=per_seed_inputs)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    ensemble = train_many(
        cell.build,
        stream,
        seeds=seeds,
        steps=max_steps,
        optimizer=optimizer,
        monitor=monitor,
        every=EVALUATE_EVERY,
        record="last",
        jit_compile=True,
        resume=resume,
    )
    wall = earlier["wall"] + time.perf_counter() - wall0
    cpu = earlier["cpu"] + time.process_time() - cpu0
    # each part's first chunk includes tracing and compilation
    chunk_seconds = np.concatenate([earlier["chunk_seconds"], ensemble.history.chunk_seconds[1:]])
    parts = earlier["parts"] + 1
    if checkpoint is not None:
        if state["paused"]:
            times = {"wall": wall, "cpu": cpu, "chunk_seconds": chunk_seconds, "parts": parts}
            _save_checkpoint(checkpoint, name, seeds, settings, ensemble.state(), record, best, times)
            state["reason"] += f" (part {parts}; {checkpoint.name} continues it)"
        else:
            checkpoint.unlink(missing_ok=True)
            if parts > 1:
                state["reason"] += f" (in {parts} parts)"
    us_per_step = 1e6 * float(np.median(chunk_seconds)) / EVALUATE_EVERY if len(chunk_seconds) else math.nan

    steps = np.asarray(record["step"])
    interpolation = np.asarray(record["interpolation"])
    extrapolation = np.asarray(record["extrapolation"])
    sparsity = np.asarray(record["sparsity"])
    chosen = _select(steps, interpolation)
    columns = np.arange(len(seeds))
    success = np.nan_to_num(extrapolation[chosen, columns], nan=np.inf) < threshold
    below = np.nan_to_num(extrapolation, nan=np.inf) < threshold
    first = np.where(below.any(axis=0), steps[np.argmax(below, axis=0)], -1)
    return CellResult(
        cell=name,
        seeds=seeds,
        success=success,
        solved_at=np.where(success, first, -1),
        extrapolation_mse=extrapolation[chosen, columns],
        interpolation_mse=interpolation[chosen, columns],
        sparsity_error=sparsity[chosen, columns],
        selected_step=steps[chosen],
        steps_run=int(steps[-1]),
        max_steps=max_steps,
        stop_reason=state["reason"],
        wall_seconds=wall,
        cpu_seconds=cpu,
        threshold=threshold,
        us_per_step=us_per_step,
    )


def _save_checkpoint(path, name, seeds, settings, ensemble_state, record, best, times) -> None:
    """Everything :func:`run_cell` needs to continue a cell, in one ``.npz`` file (written to a
    temporary file first, so an interrupted save never leaves half a checkpoint)."""
    arrays = {
        "cell": np.array(name),
        "seeds": np.asarray(seeds),
        "step": np.array(ensemble_state["step"]),
        "n_weights": np.array(len(ensemble_state["weights"])),
        "wall": np.array(times["wall"]),
        "cpu": np.array(times["cpu"]),
        "parts": np.array(times["parts"]),
        "chunk_seconds": np.asarray(times["chunk_seconds"]),
        **{f"setting_{key}": np.array(value) for key, value in settings.items()},
        "best_interpolation": best["interpolation"],
        "best_success": best["success"],
        "best_streak": np.array(best["streak"]),
    }
    arrays.update({f"weight_{i}": w for i, w in enumerate(ensemble_state["weights"])})
    arrays.update({f"optimizer_{key}": value for key, value in ensemble_state["optimizer"].items()})
    arrays.update({f"record_{key}": np.asarray(values) for key, values in record.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)


def _load_checkpoint(path, name, seeds, settings, record, best, earlier) -> dict:
    """Read a checkpoint of :func:`_save_checkpoint` into ``record``, ``best`` and ``earlier``;
    return the :meth:`~nalu_lib.ensemble.Ensemble.state` to resume from. A checkpoint of
    another cell, other seeds or other settings is refused."""
    with np.load(path) as data:
        if str(data["cell"]) != name or data["seeds"].tolist() != list(seeds):
            raise ValueError(
                f"checkpoint {path} is of cell {str(data['cell'])!r} with {len(data['seeds'])} seeds, "
                f"not of {name!r} with seeds {seeds[0]} to {seeds[-1]} ({len(seeds)}): remove it or pass another"
            )
        for key, value in settings.items():
            saved = data[f"setting_{key}"].item()
            if saved != value:
                raise ValueError(
                    f"checkpoint {path} was run with {key}={saved!r}: continue it with that, not {value!r}"
                )
        for key in record:
            record[key] = list(data[f"record_{key}"])
        best.update(
            interpolation=data["best_interpolation"], success=data["best_success"], streak=int(data["best_streak"])
        )
        earlier.update(wall=float(data["wall"]), cpu=float(data["cpu"]), parts=int(data["parts"]))
        earlier["chunk_seconds"] = data["chunk_seconds"]
        weights = [data[f"weight_{i}"] for i in range(int(data["n_weights"]))]
        store = {key.removeprefix("optimizer_"): data[key] for key in data.files if key.startswith("optimizer_")}
        return {"step": int(data["step"]), "weights": weights, "optimizer": store}


#: The columns of the results CSV: one row per seed; the run's settings repeat on each row.
CSV_COLUMNS = [
    "cell",
    "model",
    "op",
    "seed",
    "success",
    "solved_at",
    "extrapolation_mse",
    "interpolation_mse",
    "sparsity_error",
    "selected_step",
    "steps_run",
    "max_steps",
    "stop_reason",
    "wall_seconds",
    "cpu_seconds",
    "us_per_step",
    "threshold",
    "batch_size",
    "learning_rate",
    "evaluate_every",
    "per_seed_inputs",
]


def result_rows(result: CellResult, per_seed_inputs: bool = False) -> list[dict]:
    """The CSV rows of one cell (see :data:`CSV_COLUMNS`)."""
    model, op = result.cell.split(":")
    rows = []
    for i, seed in enumerate(result.seeds):
        rows.append(
            {
                "cell": result.cell,
                "model": model,
                "op": op,
                "seed": seed,
                "success": int(result.success[i]),
                "solved_at": int(result.solved_at[i]),
                "extrapolation_mse": f"{result.extrapolation_mse[i]:.6g}",
                "interpolation_mse": f"{result.interpolation_mse[i]:.6g}",
                "sparsity_error": f"{result.sparsity_error[i]:.6g}",
                "selected_step": int(result.selected_step[i]),
                "steps_run": result.steps_run,
                "max_steps": result.max_steps,
                "stop_reason": result.stop_reason,
                "wall_seconds": f"{result.wall_seconds:.1f}",
                "cpu_seconds": f"{result.cpu_seconds:.1f}",
                "us_per_step": f"{result.us_per_step:.1f}",
                "threshold": f"{result.threshold:.6g}",
                "batch_size": BATCH_SIZE,
                "learning_rate": 1e-3,
                "evaluate_every": EVALUATE_EVERY,
                "per_seed_inputs": int(per_seed_inputs),
            }
        )
    return rows


def summarize(rows: list[dict]) -> dict:
    """One cell's figures from its CSV rows (:func:`load_results`): the success rate and its
    Wilson 95% interval, the median solved-at step and sparsity error of the successful seeds,
    steps run, wall seconds, CPU-hours, time per step, seeds, why it stopped, and whether our
    interval overlaps the published one. Printed by the benchmark, plotted in notebooks 04 and 05."""
    cell = rows[0]["cell"]
    success = np.array([r["success"] for r in rows], dtype=bool)
    rate, low, high = success_rate(success)
    solved = [r["solved_at"] for r in rows if r["success"]]
    sparsity = [r["sparsity_error"] for r in rows if r["success"]]
    published = PUBLISHED.get(cell)
    return {
        "cell": cell,
        "rate": rate,
        "low": low,
        "high": high,
        "solved": float(np.median(solved)) if solved else None,
        "sparsity": float(np.median(sparsity)) if sparsity else None,
        "steps": rows[0]["steps_run"],
        "wall": rows[0]["wall_seconds"],
        "cpu_hours": rows[0]["cpu_seconds"] / 3600,
        "us_per_step": rows[0]["us_per_step"],
        "reason": rows[0]["stop_reason"],
        "seeds": len(rows),
        "inside": published is not None and low <= published[2] and published[1] <= high,
    }


def load_results(path: str | pathlib.Path | None = None) -> dict[str, list[dict]]:
    """The results CSV as ``{cell: [row per seed]}``; the committed one by default (notebooks
    04 and 05). Numbers are converted; a missing file gives ``{}``."""
    path = RESULTS_CSV if path is None else pathlib.Path(path)
    if not path.exists():
        return {}
    cells: dict[str, list[dict]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            for key in ("seed", "success", "solved_at", "selected_step", "steps_run", "max_steps", "batch_size"):
                row[key] = int(row[key])
            for key in ("extrapolation_mse", "interpolation_mse", "sparsity_error", "wall_seconds", "cpu_seconds"):
                row[key] = float(row[key])
            for key in ("us_per_step", "threshold", "learning_rate"):
                row[key] = float(row[key])
            cells.setdefault(row["cell"], []).append(row)
    return cells


def side_by_side(live: dict[str, tuple] | None = None, cells: list[str] | None = None, path=None) -> list[dict]:
    """Each cell three ways: published, ours at their full protocol, ours in a notebook's short run.

    ``live`` maps a cell's name (``"NMU:mul"``) to the ``(rate, low, high)`` of a notebook's
    own short run; ``cells`` picks and orders the cells (default: those of ``live``, else every
    cell in the results). The full-protocol figures come from the committed results CSV
    (:func:`load_results`, or ``path``), shipped inside the package. Returns one dict per
    cell: ``label``, the three ``(rate, low, high)`` triples ``published``, ``full`` and
    ``live`` (``None`` where missing), and ``summary``, the full run's :func:`summarize`.
    Plot with :func:`nalu_lib.plots.protocol_success_rates`, print with
    :func:`format_side_by_side` (notebooks 04 and 05).
    """
    live = dict(live or {})
    results = load_results(path)
    names = list(cells) if cells is not None else (list(live) if live else [c for c in CELLS if c in results])
    unknown = [name for name in [*names, *live] if name not in CELLS]
    if unknown:
        raise ValueError(f"cells must be among {', '.join(CELLS)}, got {', '.join(map(repr, unknown))}")
    rows = []
    for name in names:
        summary = summarize(results[name]) if name in results else None
        rows.append(
            {
                "cell": name,
                "label": name.replace(":", " "),
                "published": PUBLISHED[name][:3],
                "full": None if summary is None else (summary["rate"], summary["low"], summary["high"]),
                "live": None if live.get(name) is None else tuple(float(v) for v in live[name]),
                "summary": summary,
            }
        )
    return rows


def format_side_by_side(rows: list[dict]) -> str:
    """:func:`side_by_side`'s rows as a table: success rates with their 95% intervals, the
    median solved-at step, and what the full-protocol run cost (notebooks 04 and 05)."""

    def rate(triple):
        return "-" if triple is None else f"{triple[0]:.0%} ({triple[1]:.0%}-{triple[2]:.0%})"

    def solved(value):
        return "-" if value is None else f"{value:.1e}"

    full = [row["summary"] or {} for row in rows]
    return format_table(
        {
            "cell": [row["cell"] for row in rows],
            "published": [rate(row["published"]) for row in rows],
            "full protocol": [rate(row["full"]) for row in rows],
            "short run": [rate(row["live"]) for row in rows],
            "solved at, published": [solved(PUBLISHED[row["cell"]][3]) for row in rows],
            "ours": [solved(f.get("solved")) for f in full],
            "steps run": ["-" if not f else f"{f['steps']:.2e}" for f in full],
            "CPU-hours": ["-" if not f else f"{f['cpu_hours']:.2f}" for f in full],
        }
    )
