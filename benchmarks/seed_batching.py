"""Many seeds at once against one after another, side by side in one run.

    python benchmarks/seed_batching.py            # about two minutes on a 2-core CPU
    python benchmarks/seed_batching.py --seeds 20 # quicker

For each model of the arithmetic benchmark (notebook 04) on the paper's static addition task,
it trains the same seeds twice: one after another with :func:`nalu_lib.train`, and all at once
with :func:`nalu_lib.train_many` (a batch of weights in one compiled graph). It checks that both
give the same losses (the largest relative difference over the first 20 steps), prints the
wall time of each (tracing and compilation included), and ends with the overall speed-up, the
last line, written like ``12.3x``. Target: at least 10x for 50 seeds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nalu_lib
from nalu_lib import train, train_many
from nalu_lib.tasks import static_arithmetic_task
from nalu_lib.tasks.static_task import benchmark


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="how many seeds (default 50)")
    parser.add_argument("--steps", type=int, default=2000, help="training steps per seed (default 2000)")
    args = parser.parse_args(argv)
    nalu_lib.seed_everything(0)
    print(nalu_lib.check_versions())
    task = static_arithmetic_task("add", seed=0)
    x, y = task.x_train, task.y_train
    settings = {"steps": args.steps, "batch_size": 128, "learning_rate": 0.01}
    seeds = list(range(args.seeds))
    train_many(benchmark.MODELS["NAC"], x, y, seeds=2, steps=10)  # start TensorFlow's runtime once

    print(f"\n{args.seeds} seeds x {args.steps} steps, static addition task (100 inputs, mini-batches of 128)")
    print(f"  {'model':<14}{'one by one':>12}{'all at once':>13}{'speed-up':>10}{'max loss diff':>15}")
    total_one, total_many = 0.0, 0.0
    for name, build in benchmark.MODELS.items():
        start = time.perf_counter()
        losses = [train(build, x, y, seed=seed, **settings).loss for seed in seeds]
        one_by_one = time.perf_counter() - start

        start = time.perf_counter()
        ensemble = train_many(build, x, y, seeds=seeds, **settings)
        all_at_once = time.perf_counter() - start

        # the same runs: compare the first 20 steps (later, rounding differences between one
        # wide matrix product and many small ones can grow, fastest in the NALU's exp)
        one = np.stack(losses, axis=1)[:20]
        many = ensemble.history.loss[:20]
        diff = float(np.max(np.abs(one - many) / np.maximum(np.abs(one), 1e-12)))
        print(f"  {name:<14}{one_by_one:>11.1f}s{all_at_once:>12.1f}s{one_by_one / all_at_once:>9.1f}x{diff:>15.1e}")
        total_one += one_by_one
        total_many += all_at_once
    print(f"  {'all models':<14}{total_one:>11.1f}s{total_many:>12.1f}s")
    print(f"speed-up of train_many over one-by-one train() for {args.seeds} seeds: {total_one / total_many:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
