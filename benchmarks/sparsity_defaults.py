"""Why the NAU's and NMU's regulariser defaults are ``sparsity=0.01`` from step 1000 to 1500.

Reruns the measurements behind them and prints the figures:

1. One unit learns without the regulariser: with ``train()``'s defaults (2000 full-batch Adam
   steps at 0.05) an NMU learns ``x1 * x2`` and a NAU ``x1 - x2`` on inputs in [-2, 2], with
   any strength from 0 to 10, since clipping holds ``W`` exactly at 1 (or -1).
2. Strength is relative to the data loss, which the regulariser does not see: on the two-layer
   ``NAU(2), NAU(1)`` static addition task (5000 steps, learning rate decayed from 0.05 to
   1e-6) a weak pull keeps every seed, a strong one fights the data, since two layers can
   share a sum in many exact ways and a strong pull toward the nearest -1, 0 or 1 picks one
   before the data have.
3. Not rerun here (hours): the paper's two-layer multiplication (``NAU(2), NMU(1)``) needs the
   paper's scale, ``sparsity=10, sparsity_start=1_000_000, sparsity_end=1_400_000`` and 1.5
   million mini-batch steps (5 seeds of 10 in our run; none without the regulariser, and none
   with 300 thousand steps or fewer).

The regulariser starts at step 1000 so that the data loss does the learning first (it would
pull half-learnt weights toward whichever of -1, 0, 1 is nearest, right or wrong), and is at
full strength for the last quarter of a default run.

    python benchmarks/sparsity_defaults.py           # 10 seeds, 5 strengths (a few minutes)
    python benchmarks/sparsity_defaults.py --quick   # 3 seeds, 2 strengths (under a minute)
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

import nalu_lib
from nalu_lib import NAU, NMU, evaluation, train_many
from nalu_lib.engine.optimizers import default_optimizer
from nalu_lib.tasks import random_pairs, static_arithmetic_task


def one_unit(strengths, seeds: int) -> None:
    print("1. one unit, train()'s defaults: seeds whose W is exact")
    for name, layer, op, exact in (("NMU", NMU, "mul", [[1.0], [1.0]]), ("NAU", NAU, "sub", [[1.0], [-1.0]])):
        x, y = random_pairs(op, n=1000, low=-2, high=2, seed=0)
        for sparsity in strengths:
            build = lambda layer=layer, sparsity=sparsity: keras.Sequential([layer(1, sparsity=sparsity)])  # noqa: E731
            ensemble = train_many(build, x, y, seeds=seeds)
            exact_seeds = sum(np.array_equal(W, exact) for W in ensemble.weights[0])  # (seeds, 2, 1)
            print(f"   {name} {op}, sparsity {sparsity:<5g}: {exact_seeds} of {seeds}")


def two_layer_addition(strengths, seeds: int, steps: int = 5000) -> None:
    print(f"2. NAU(2), NAU(1) on the static addition task, {steps} steps: seeds that succeed")
    task = static_arithmetic_task("add", seed=0)
    threshold = evaluation.worst_case_threshold(task)
    for sparsity in strengths:
        ensemble = train_many(
            lambda sparsity=sparsity: keras.Sequential([NAU(2, sparsity=sparsity), NAU(1, sparsity=sparsity)]),
            task.x_train,
            task.y_train,
            seeds=seeds,
            steps=steps,
            optimizer=default_optimizer(keras.optimizers.schedules.PolynomialDecay(0.05, steps, 1e-6)),
        )
        mse = evaluation.mse_per_model(ensemble.predict(task.x_extrapolation), task.y_extrapolation)
        print(f"   sparsity {sparsity:<5g}: {int(np.sum(mse < threshold))} of {seeds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds and 2 strengths")
    args = parser.parse_args()
    nalu_lib.seed_everything(0)  # one thread, deterministic ops, no retracing warnings
    seeds = 3 if args.quick else 10
    one_unit((0.0, 10.0) if args.quick else (0.0, 0.01, 1.0, 10.0), seeds)
    two_layer_addition((0.01, 1.0) if args.quick else (0.01, 0.1, 1.0, 10.0), seeds)


if __name__ == "__main__":
    main()
