"""Heim, Pevny & Smidl's simple arithmetic task (2020, section 4.2) for the NPU and the RealNPU.

    python benchmarks/npu_simple_task.py                       # both units, 20 seeds, 20000 steps
    python benchmarks/npu_simple_task.py --units RealNPU --out FILE.csv

Each unit, ``unit(6)`` then a linear layer of four outputs (``nalu_lib.tasks.simple_arithmetic``),
learns ``(x + y, x y, x / y, sqrt(x))`` from fresh inputs in U[0.1, 2.1) at every step, all seeds
at once with ``nalu_lib.train_many`` and Adam at 0.005, and is tested on the authors' grids.
One row per seed is appended to the CSV (default: the committed ``nalu_lib/results/npu_simple_task.csv``,
which notebook 10 reads) as soon as a unit finishes; a rerun skips the units already in it
unless ``--redo`` names them. A unit takes about half a minute on one CPU core.

Prints, per unit, the mean test error per output with its standard error, beside the authors'
Table A2 (``nalu_lib.tasks.simple_arithmetic.PUBLISHED``).
"""

from __future__ import annotations

import argparse
import csv
import pathlib
import sys
import time

from nalu_lib.notebook.setup import use_series_environment

use_series_environment()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from nalu_lib import NPU, RealNPU, train_many  # noqa: E402
from nalu_lib.tasks import simple_arithmetic as task  # noqa: E402

UNITS = {"NPU": NPU, "RealNPU": RealNPU}


def run_unit(name: str, seeds: int, steps: int) -> list[dict]:
    """Train ``seeds`` models of unit ``name`` together; one CSV row per seed."""
    start = time.perf_counter()
    ensemble = train_many(
        lambda: task.model(UNITS[name]),
        task.SimpleArithmeticStream(),
        seeds=seeds,
        steps=steps,
        optimizer=keras.optimizers.Adam(task.LEARNING_RATE),
    )
    seconds = time.perf_counter() - start
    errors = task.test_errors(ensemble.predict)
    first_layer = ensemble.layer_weights()[0]
    W_im = first_layer[1] if name == "NPU" else np.zeros((seeds, 1))  # NPU's weights: W_re, W_im, g
    rows = []
    for i, seed in enumerate(ensemble.seeds):
        row = {"unit": name, "seed": seed, **dict(zip(task.OUTPUTS, map(float, errors[i]), strict=True))}
        row |= {"max_abs_W_im": float(np.max(np.abs(W_im[i]))), "steps": steps, "batch_size": task.BATCH_SIZE}
        row |= {"learning_rate": task.LEARNING_RATE, "seconds": round(seconds, 1)}
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", default=",".join(UNITS), help="comma-separated: NPU, RealNPU")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=task.STEPS)
    parser.add_argument("--out", type=pathlib.Path, default=task.RESULTS_CSV)
    parser.add_argument("--redo", default="", help="comma-separated units to train again")
    args = parser.parse_args(argv)
    names = [name for name in args.units.split(",") if name]
    unknown = [name for name in names if name not in UNITS]
    if unknown:
        parser.error(f"--units: unknown {unknown}; choose from {list(UNITS)}")
    redo = {name for name in args.redo.split(",") if name}
    done = task.load_results(args.out) if args.out.exists() else {}
    kept = [row for name, rows in done.items() if name not in redo for row in rows]
    for name in names:
        if name in done and name not in redo:
            print(f"{name}: already in {args.out}, skipped (--redo {name} to train it again)")
            continue
        kept = [row for row in kept if row["unit"] != name] + run_unit(name, args.seeds, args.steps)
        with open(args.out, "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=task.CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(kept)
    results = task.load_results(args.out)
    for name in names:
        ours = task.summarize(results[name])
        print(f"{name}: {len(results[name])} seeds, {results[name][0]['steps']} steps")
        for output in task.OUTPUTS:
            mean, se = ours[output]
            published, published_se = task.PUBLISHED[name][output]
            print(f"  {output:>4}: ours {mean:.3f} +- {se:.3f}   published {published} +- {published_se}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
