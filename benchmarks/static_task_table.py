"""Madsen & Johansen's static-task table, reproduced at their protocol, 100 seeds per cell.

    python benchmarks/static_task_table.py                       # every cell, 100 seeds
    python benchmarks/static_task_table.py --cells NMU:mul,NAU:add --seeds 100 --out FILE.csv

Each cell (a model on an operation, e.g. ``NMU:mul``) trains all its seeds at once with
``nalu_lib.train_many`` (see ``nalu_lib/tasks/static_task/protocol.py`` for the protocol and where it
deviates from theirs), and is appended to the CSV as soon as it finishes, one row per seed with
the run's settings; a rerun skips the cells already in the CSV unless ``--redo`` names them, so
a long table can be run a cell at a time, in as many sessions as it takes.

Every cell runs to 5 million steps, as theirs did, so that model selection (the lowest
validation error among the last 5000 evaluations) picks from the same steps as theirs.

A cell runs in parts of at most ``--time-limit`` seconds (default 1800, 30 minutes). A part that
reaches the limit writes its row as it stands (the stop reason says which part) and saves a
checkpoint in ``--checkpoints`` (weights, Adam's state, the evaluations so far); the next run
that names the cell continues from it, and the parts together are the uninterrupted run. The
NALU's cells, about three times the work per step of the others, take several parts:

    python benchmarks/static_task_table.py --cells NALU:add --redo NALU:add   # a new run: part 1
    python benchmarks/static_task_table.py --cells NALU:add                   # each further part

(``--redo`` discards a cell's checkpoint and starts it again; give it to the first part only.)
Two processes may run two different cells at once against one CSV; a process naming a cell
that another is running refuses it, with a message (exit status 1). A part writes its rows
before it removes the cell's checkpoint, so a process killed at any moment loses at most the
part it was running.

``--speed STEPS`` only times the step: every named cell for ``STEPS`` steps, side by side with
the matrix-product floor, measured in the same run, and writes nothing. The NALU's first layer
has three products of the floor's size (its additive path, its log path and its gate), so its
cells are also put beside three pairs of them, timed in the same run.

``--per-seed-inputs`` gives every seed its own stream of training inputs, as in their runs,
instead of one stream shared by the seeds of a cell (about thirty times slower);
``benchmarks/results/static_task_per_seed_inputs.csv`` holds the NAU's addition run that way,
which shows that the shared stream does not change the outcome:

    python benchmarks/static_task_table.py --cells NAU:add --per-seed-inputs \\
        --out benchmarks/results/static_task_per_seed_inputs.csv

Prints, per cell, ours beside theirs seed for seed (their ``paper/results/sft-last.csv``,
committed as ``nalu_lib/results/madsen_johansen_sft_last.csv``): successes and Fisher's exact
test of the two counts, the quartiles of "solved at" and the median and mean sparsity error over
the successful seeds; then what the run cost (CPU-hours per cell and per seed, beside their
paper's figure, which is theirs, not a measurement) and the training step's time beside a
matrix-product floor measured in the same run. The last line is ``N/M cells consistent with
theirs (Fisher's exact test, p >= 0.05)``.
"""

from __future__ import annotations

import argparse
import csv
import os
import pathlib
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the floor is measured on one core

from nalu_lib.notebook.setup import use_series_environment

use_series_environment()  # TensorFlow's own CPU kernels, as the committed table was run

import numpy as np  # noqa: E402
from filelock import FileLock, Timeout  # noqa: E402

import nalu_lib  # noqa: E402
from nalu_lib.tasks.static_task import cells as table_cells  # noqa: E402
from nalu_lib.tasks.static_task import protocol, runner  # noqa: E402
from nalu_lib.tasks.static_task import results as table_results  # noqa: E402

#: Where unfinished cells wait for their next part.
CHECKPOINTS = pathlib.Path(__file__).parent / "checkpoints"


def matmul_floor_us(seeds: int, products: int = 1) -> float:
    """The two matrix products of a step (forward and weight gradient of the first layer) in
    numpy on one core: ``(128 x 100) @ (100 x 2 seeds)`` and its transpose, best of 5. With
    ``products`` > 1, ``products`` such pairs in one (``2 * seeds * products`` columns): the
    first layer of a cell whose forward pass has that many (:attr:`Cell.products`)."""
    rng = np.random.default_rng(0)
    x = rng.random((protocol.BATCH_SIZE, protocol.INPUT_SIZE), dtype=np.float32)
    w = rng.random((protocol.INPUT_SIZE, 2 * seeds * products), dtype=np.float32)
    g = rng.random((protocol.BATCH_SIZE, 2 * seeds * products), dtype=np.float32)
    best = np.inf
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(500):
            x @ w
            x.T @ g
        best = min(best, (time.perf_counter() - start) / 500)
    return 1e6 * best


def checkpoint_name(cell: str, per_seed_inputs: bool = False) -> str:
    """The checkpoint file of an unfinished cell: ``NAC+:sub`` -> ``NACplus_sub.npz``."""
    stem = cell.replace("+", "plus").replace(":", "_")
    return f"{stem}{'_per_seed_inputs' if per_seed_inputs else ''}.npz"


def speed(cells: list[str], seeds: int, steps: int, floor: float) -> int:
    """Time ``steps`` steps of each cell beside the floor measured in the same run; a cell whose
    first layer has more than one product (the NALU's three) also beside those products alone."""
    own = {}
    for products in sorted({table_cells.CELLS[name].products for name in cells} - {1}):
        own[products] = matmul_floor_us(seeds, products)
        print(f"its first layer's {products} products for {seeds} seeds: {own[products]:.0f} us per step", flush=True)
    for name in cells:
        result = runner.run_cell(name, seeds, max_steps=steps, n_eval=1000)
        products = table_cells.CELLS[name].products
        line = (
            f"{name:<11} {result.us_per_step:6.0f} us/step for {seeds} seeds vs floor {floor:.0f} us "
            f"({result.us_per_step / floor:.1f}x)"
        )
        if products > 1:
            line += f"; vs its {products} products {own[products]:.0f} us ({result.us_per_step / own[products]:.1f}x)"
        print(line, flush=True)
    return 0


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


#: Their cost, as their paper gives it (appendix "Simple function task", in stable-nalu's
#: ``paper/appendix/simple-function-task.tex``): not measured here.
THEIR_COST = "theirs: about 8 h per seed on one core of an Intel Xeon E5-2665 at 2.4 GHz (their appendix)"


def cell_line(name: str, ours: dict, theirs: list[dict] | None, floor_us: float) -> str:
    """One cell: our successes beside theirs with Fisher's exact test, "solved at" quartiles and
    the sparsity error (both over successful seeds) beside theirs, and what our run cost."""
    per_seed = ours["cpu_hours"] / ours["seeds"]
    cost = (
        f"{ours['steps']:,} steps, {ours['cpu_hours']:.2f} CPU-h ({per_seed:.3f} per seed), "
        f"{ours['us_per_step']:.0f} us/step vs floor {floor_us:.0f} us ({ours['us_per_step'] / floor_us:.1f}x) | "
        f"{ours['seeds']} seeds, {ours['reason']}"
    )
    if theirs is None:
        return f"{name:<11} ours {ours['rate']:.0%} | {cost}"
    side = table_results.compare(ours["rows"], theirs)
    a, b = side["ours"], side["theirs"]

    def quartiles(figures):
        q = figures["solved_at_quartiles"]
        return "-" if q is None else "/".join(f"{v:.2g}" for v in q)

    return (
        f"{name:<11} successes {a['successes']}/{a['seeds']} vs theirs {b['successes']}/{b['seeds']} "
        f"(Fisher p = {side['p']:.2g}{'' if side['consistent'] else ', NOT consistent'}) | "
        f"solved at (quartiles) {quartiles(a)} vs {quartiles(b)} | sparsity error median "
        f"{_fmt(a['sparsity_median'], '.1e')} vs {_fmt(b['sparsity_median'], '.1e')}, mean "
        f"{_fmt(a['sparsity_mean'], '.1e')} vs {_fmt(b['sparsity_mean'], '.1e')} | {cost}"
    )


def _locked(path: pathlib.Path) -> FileLock:
    """An exclusive lock on ``path`` + ``.lock``: cells run in parallel processes each rewrite the
    CSV, one at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(path.with_name(path.name + ".lock"))


def write_rows(path: pathlib.Path, keep: dict[str, list[dict]], new_rows: list[dict]) -> None:
    """Rewrite ``path`` with the kept cells and the new rows (written to a temporary file first,
    so an interrupted run never leaves half a CSV)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=table_results.CSV_COLUMNS)
        writer.writeheader()
        for rows in keep.values():
            writer.writerows({k: row[k] for k in table_results.CSV_COLUMNS} for row in rows)
        writer.writerows(new_rows)
    tmp.replace(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default=",".join(table_cells.CELLS), help="comma-separated cells, e.g. NMU:mul")
    parser.add_argument("--seeds", type=int, default=100, help="seeds per cell (default 100)")
    parser.add_argument("--out", default=str(table_results.RESULTS_CSV), help="results CSV (default: committed)")
    parser.add_argument("--redo", default="", help="comma-separated cells to run again even if present")
    parser.add_argument("--max-steps", type=int, default=protocol.MAX_STEPS, help="steps at most (default 5e6)")
    parser.add_argument("--time-limit", type=float, default=1800.0, help="seconds per part of a cell (default 1800)")
    parser.add_argument("--per-seed-inputs", action="store_true", help="a separate input stream per seed, as theirs")
    parser.add_argument(
        "--checkpoints", default=str(CHECKPOINTS), help="where unfinished cells wait (default benchmarks/checkpoints)"
    )
    parser.add_argument(
        "--report-every", type=int, default=100_000, metavar="STEPS", help="a progress line every STEPS steps"
    )
    parser.add_argument("--speed", type=int, default=0, metavar="STEPS", help="only time STEPS steps of each cell")
    args = parser.parse_args(argv)
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    unknown = [c for c in cells if c not in table_cells.CELLS]
    if unknown:
        parser.error(f"unknown cell(s) {', '.join(unknown)}; choose from {', '.join(table_cells.CELLS)}")
    redo = {c.strip() for c in args.redo.split(",") if c.strip()}
    if args.report_every < protocol.EVALUATE_EVERY or args.report_every % protocol.EVALUATE_EVERY:
        parser.error(f"--report-every must be a multiple of 1000 steps, got {args.report_every}")
    if args.speed and (args.speed < 2000 or args.speed % protocol.EVALUATE_EVERY):
        parser.error(f"--speed must be a multiple of 1000 steps, at least 2000, got {args.speed}")

    nalu_lib.seed_everything(0)
    print(nalu_lib.check_versions(), flush=True)
    floor = matmul_floor_us(args.seeds)
    print(f"matrix-product floor for {args.seeds} seeds: {floor:.0f} us per step (numpy, one core)", flush=True)
    for op in ("mul", "add", "sub"):
        ours, theirs = protocol.published_threshold(op), protocol.PUBLISHED_THRESHOLDS[op]
        print(f"threshold {op}: {ours:.4g} (published {theirs:.4g}, {abs(ours / theirs - 1):.2%} apart)", flush=True)

    if args.speed:
        return speed(cells, args.seeds, args.speed, floor)

    out = pathlib.Path(args.out)
    theirs = table_results.load_published_per_seed()
    consistent, refused = 0, []
    print(THEIR_COST, flush=True)
    for name in cells:
        checkpoint = pathlib.Path(args.checkpoints) / checkpoint_name(name, args.per_seed_inputs)
        running = FileLock(_running_lock(checkpoint))
        try:
            running.acquire(timeout=0)
        except Timeout:
            print(f"{name}: another process is running this cell ({running.lock_file} is held); not running it twice")
            refused.append(name)
            continue
        try:
            rows = _run_or_read(name, args, out, checkpoint, redo)
        finally:
            running.release()
        ours = {**table_results.summarize(rows), "rows": rows}
        consistent += table_results.compare(rows, theirs[name])["consistent"]
        print(cell_line(name, ours, theirs[name], floor), flush=True)
    print(f"{consistent}/{len(cells)} cells consistent with theirs (Fisher's exact test, p >= 0.05)")
    return 1 if refused else 0


def _running_lock(checkpoint: pathlib.Path) -> pathlib.Path:
    """The lock a process holds while it runs a cell: beside the cell's checkpoint."""
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    return checkpoint.with_name(checkpoint.stem + ".running.lock")


def _run_or_read(name: str, args, out: pathlib.Path, checkpoint: pathlib.Path, redo: set[str]) -> list[dict]:
    """Run (or continue) cell ``name`` and write its rows to ``out``; or read them if it is done.

    The rows are written before the checkpoint is removed: a process killed in between leaves
    the checkpoint, and the next run redoes the last part and writes the same rows."""
    existing = table_results.load_results(out)
    if name in redo:
        checkpoint.unlink(missing_ok=True)
    if name in existing and name not in redo and not checkpoint.exists():
        rows = existing[name]
        if "continues it" in rows[0]["stop_reason"]:
            print(f"{name}: a paused run whose checkpoint {checkpoint} is missing; --redo {name} starts it again")
        print(f"(from {out.name}) ", end="")
        return rows
    if checkpoint.exists():
        print(f"{name}: continuing from {checkpoint}", flush=True)
    result = runner.run_cell(
        name,
        args.seeds,
        max_steps=args.max_steps,
        time_limit=args.time_limit,
        per_seed_inputs=args.per_seed_inputs,
        report=lambda line: print(line, flush=True),
        report_every=args.report_every,
        checkpoint=checkpoint,
    )
    with _locked(out):  # another process may have written its cell meanwhile
        existing = table_results.load_results(out)
        existing.pop(name, None)
        write_rows(out, existing, table_results.result_rows(result, args.per_seed_inputs))
    if not result.paused:
        checkpoint.unlink(missing_ok=True)
    return table_results.load_results(out)[name]


if __name__ == "__main__":
    sys.exit(main())
