"""Train one cell of Madsen & Johansen's static table for every seed at once, in parts that
continue from a checkpoint, and score it as they do (:mod:`.protocol`).

``benchmarks/static_task_table.py`` runs it; notebook 04 describes the runs, whose committed
results notebooks 04 and 05 read.
"""

from __future__ import annotations

import math
import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from nalu_lib.checks import check_integer, check_seeds
from nalu_lib.engine.train_many import Ensemble, train_many
from nalu_lib.tasks.static_task.cells import CELLS
from nalu_lib.tasks.static_task.protocol import (
    EVALUATE_EVERY,
    LEARNING_RATE,
    MAX_STEPS,
    evaluation_sets,
    published_threshold,
    select,
)
from nalu_lib.tasks.static_task.stream import StaticTaskStream
from nalu_lib.units import ArithmeticUnit

__all__ = ["CellResult", "run_cell", "sparsity_error"]


def _effective_weights(layer, weights: list[np.ndarray]) -> np.ndarray | None:
    """The weight a layer's sparsity error is measured on (their ``W``), stacked per seed."""
    if isinstance(layer, ArithmeticUnit):
        return np.asarray(keras.ops.convert_to_numpy(layer.effective_weight(*weights)))
    if isinstance(layer, keras.layers.Dense):
        return weights[0]
    return None


def sparsity_error(ensemble: Ensemble) -> np.ndarray:
    """Per seed, their sparsity error: the largest ``min(|W|, |1 - |W||)`` over every layer
    (a column of the results; no notebook calls it)."""
    errors = []
    for layer, weights in zip(ensemble.layers, ensemble.layer_weights(), strict=True):
        W = _effective_weights(layer, weights)
        if W is not None:
            abs_w = np.abs(W.reshape(W.shape[0], -1))
            errors.append(np.max(np.minimum(abs_w, np.abs(1 - abs_w)), axis=1))
    return np.max(errors, axis=0)


@dataclass
class CellResult:
    """What :func:`run_cell` measured: per seed, and the run's settings; one row per seed of the
    results CSV (:func:`~.results.result_rows`)."""

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
    paused: bool = False  # stopped at the time limit, to be continued from its checkpoint


def run_cell(
    name: str,
    seeds: int | list[int] = 100,
    *,
    max_steps: int = MAX_STEPS,
    stable_evaluations: int | None = None,
    time_limit: float | None = None,
    per_seed_inputs: bool = False,
    n_eval: int = 10_000,
    report: Callable[[str], None] | None = None,
    report_every: int = 100_000,
    checkpoint: str | pathlib.Path | None = None,
) -> CellResult:
    """Train cell ``name`` (e.g. ``"NMU:mul"``) for every seed at once and score it as they do.

    Args:
        name: A key of :data:`~.cells.CELLS`.
        seeds: The seeds, or how many.
        max_steps: The most steps to train.
        stable_evaluations: ``None`` (default): run to ``max_steps``, as they did. A number:
            stop before ``max_steps`` once the outcome looks settled: after the regulariser's
            ramp has ended, every seed has been a success under model selection (its step with
            the lowest validation error so far extrapolates below the threshold) at each of the
            last ``stable_evaluations`` evaluations. Model selection may then pick an earlier,
            less sparse step than a full run would: the committed table runs to ``max_steps``.
        time_limit: Stop after this many seconds (the stop reason says so); ``None``: no limit.
        per_seed_inputs: A stream of training inputs per seed, as in their runs.
        n_eval: Examples in each evaluation set.
        report: Called with a line of progress every ``report_every`` steps.
        report_every: How often to report, in steps: a multiple of the evaluation interval
            (1,000 steps).
        checkpoint: A file. A run that stops at the time limit saves there everything it needs
            to go on (weights, Adam's state, the evaluations so far, the time spent), and a call
            that finds the file continues from it, so that the parts together are the
            uninterrupted run; the result reports their total steps, wall and CPU time. Once
            the cell is done the file stays, for the caller to remove after it has written the
            result (:attr:`CellResult.paused` is then ``False``), so that a process killed in
            between loses nothing: the next call redoes the last part.

    ``benchmarks/static_task_table.py`` calls it; no notebook does.
    """
    if name not in CELLS:
        raise ValueError(f"name must be one of {', '.join(CELLS)}, got name={name!r}")
    cell = CELLS[name]
    seeds = check_seeds(seeds)
    max_steps = check_integer("max_steps", max_steps, minimum=EVALUATE_EVERY)
    report_every = check_integer("report_every", report_every, minimum=EVALUATE_EVERY)
    if report_every % EVALUATE_EVERY:
        raise ValueError(
            f"report_every must be a multiple of {EVALUATE_EVERY:,} steps, got report_every={report_every}"
        )
    if stable_evaluations is not None:
        stable_evaluations = check_integer("stable_evaluations", stable_evaluations, minimum=1)
    threshold = published_threshold(cell.op)
    sets = evaluation_sets(cell.op, seeds, n_eval)
    (x_int, y_int), (x_ext, y_ext) = sets["interpolation"], sets["extrapolation"]
    record = {"step": [], "interpolation": [], "extrapolation": [], "sparsity": []}
    state = {"reason": f"reached max_steps={max_steps}", "began": time.perf_counter(), "paused": False}
    best = {"interpolation": np.full(len(seeds), np.inf), "success": np.zeros(len(seeds), bool), "streak": 0}
    checkpoint = None if checkpoint is None else pathlib.Path(checkpoint)
    earlier = {"wall": 0.0, "cpu": 0.0, "chunk_seconds": np.zeros(0), "parts": 0}
    settings = {"per_seed_inputs": per_seed_inputs, "n_eval": n_eval, "stable_evaluations": stable_evaluations or 0}
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
        if report is not None and done % report_every == 0:
            report(f"  {name} step {done:>9,}: {np.mean(best['success']):.0%} of seeds successful so far")
        settled = stable_evaluations is not None and best["streak"] >= stable_evaluations
        if done >= cell.settled_after and settled:
            state["reason"] = f"settled: every seed successful for the last {stable_evaluations} evaluations"
            return True
        if time_limit is not None and time.perf_counter() - state["began"] > time_limit and done < max_steps:
            state["reason"] = f"time limit of {time_limit:.0f} s"
            state["paused"] = True
            return True
        return None

    stream = StaticTaskStream(cell.op, seeds, per_seed_inputs=per_seed_inputs)
    optimizer = keras.optimizers.Adam(learning_rate=LEARNING_RATE, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
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
        elif parts > 1:
            state["reason"] += f" (in {parts} parts)"
    us_per_step = 1e6 * float(np.median(chunk_seconds)) / EVALUATE_EVERY if len(chunk_seconds) else math.nan

    steps = np.asarray(record["step"])
    interpolation = np.asarray(record["interpolation"])
    extrapolation = np.asarray(record["extrapolation"])
    sparsity = np.asarray(record["sparsity"])
    chosen = select(interpolation)
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
        paused=state["paused"],
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
    return the :meth:`~nalu_lib.engine.train_many.Ensemble.state` to resume from. A checkpoint of
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
