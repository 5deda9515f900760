"""The article's experiment, its TensorFlow 1 program against nalu_lib, side by side in one run.

    python benchmarks/article_speed.py          # about a minute on a 2-core CPU

For NAC addition and NALU multiplication on the article's data it prints, for each of

* ``article (TF1)``: a faithful ``tf.compat.v1`` port of the article's program
  (``benchmarks/article_tf1.py``): 22000 full-batch epochs of Adam at 0.05, one ``sess.run`` each;
* ``nalu_lib, same loop``: the same model, initialisation, optimizer and 22000 steps, with
  :func:`nalu_lib.train`;
* ``nalu_lib defaults``: ``train(model, x_train, y_train)`` with nalu_lib's defaults,

the wall time (tracing and compilation included), the number of steps, and the largest relative
error on the article's test set and on its extrapolation set (inputs 100 to 200 times the largest
training input); and the time of the 22000-step training loop alone, without graph building,
tracing or compilation. Then the targets: the same loop at least 5x faster, the defaults more
accurate in at least 10x less time, and the defaults' accuracy over 10 seeds (at most 1e-6).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import keras
import numpy as np
from article_tf1 import run_article

import nalu_lib
from nalu_lib import NAC, NALU, train
from nalu_lib.evaluation import predict, relative_error
from nalu_lib.tasks import article_extrapolation_set, article_task

TASKS = [("nac", "add", NAC), ("nalu", "mul", NALU)]


def article_layer(unit: str):
    """The article's initialisation: U(-2, 2) for the NAC, N(0, 0.02) truncated for the NALU."""
    if unit == "nac":
        init = keras.initializers.RandomUniform(-2.0, 2.0)
        return NAC(1, w_hat_initializer=init, m_hat_initializer=init)
    init = keras.initializers.TruncatedNormal(stddev=0.02)
    return NALU(1, w_hat_initializer=init, m_hat_initializer=init, g_initializer=init, log_space_dtype=None)


def warm_up():
    """Start TensorFlow's runtime and XLA once, so that no timed run pays for it alone."""
    x, y, _, _ = article_task("add")
    train(keras.Sequential([NAC(1)]), x, y, steps=10, jit_compile=True)
    run_article("nac", x, y[:, 0], [], epochs=10)


def errors(predictions, targets):
    return [float(np.max(relative_error(p.reshape(t.shape), t))) for p, t in zip(predictions, targets, strict=True)]


def row(name, seconds, steps, errs):
    return f"  {name:<22}{seconds:>9.2f}{steps:>9}{errs[0]:>14.2e}{errs[1]:>14.2e}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the side-by-side runs")
    parser.add_argument("--accuracy-seeds", type=int, default=10, help="seeds for the accuracy check")
    args = parser.parse_args(argv)
    nalu_lib.seed_everything(args.seed)
    print(nalu_lib.check_versions())
    warm_up()
    ok = True
    for unit, op, layer in TASKS:
        x_train, y_train, x_test, y_test = article_task(op)
        x_far, y_far = article_extrapolation_set(op)
        targets = [y_test, y_far]
        print(f"\n{unit.upper()} learning {op} (seed {args.seed})")
        print(f"  {'':<22}{'seconds':>9}{'steps':>9}{'test rel.err':>14}{'far rel.err':>14}")

        base_s, base_loop, base_pred, _, _ = run_article(unit, x_train, y_train[:, 0], [x_test, x_far], seed=args.seed)
        base_err = errors(base_pred, targets)
        print(row("article (TF1)", base_s, 22000, base_err))

        keras.utils.set_random_seed(args.seed)
        model = keras.Sequential([article_layer(unit)])
        # A callback splits the run into 50 graph calls: all but the first, which traces and
        # compiles, are the training loop alone.
        same = train(
            model,
            x_train,
            y_train,
            steps=22000,
            optimizer=keras.optimizers.Adam(0.05),
            seed=args.seed,
            callback=lambda *_: None,
        )
        same_err = errors([predict(model, x) for x in (x_test, x_far)], targets)
        print(row("nalu_lib, same loop", same.seconds, 22000, same_err))

        same_loop = same.chunk_seconds[1:].sum() * 22000 / (22000 - 22000 // len(same.chunk_seconds))
        print(f"  {'loop alone, article':<22}{base_loop:>9.2f}{22000:>9}")
        print(f"  {'loop alone, nalu_lib':<22}{same_loop:>9.2f}{22000:>9}")

        model = keras.Sequential([layer(1)])
        default = train(model, x_train, y_train, seed=args.seed)
        default_err = errors([predict(model, x) for x in (x_test, x_far)], targets)
        print(row("nalu_lib defaults", default.seconds, len(default.loss), default_err))

        loop_speedup = base_loop / same_loop
        default_speedup = base_s / default.seconds
        more_accurate = max(default_err) < min(base_err)
        print(
            f"  same 22000-step loop: {loop_speedup:.1f}x faster (target >= 5x); "
            f"{base_s / same.seconds:.1f}x with graph building and compilation"
        )
        print(
            f"  defaults: {default_speedup:.1f}x less time (target >= 10x), "
            f"{'more' if more_accurate else 'NOT more'} accurate than the article"
        )
        ok &= loop_speedup >= 5 and default_speedup >= 10 and more_accurate

        worst = []
        for seed in range(args.accuracy_seeds):
            model = keras.Sequential([layer(1)])
            train(model, x_train, y_train, seed=seed)
            worst.append(errors([predict(model, x) for x in (x_test, x_far)], targets))
        worst = np.max(np.asarray(worst), axis=0)
        print(
            f"  defaults over seeds 0-{args.accuracy_seeds - 1}: worst test rel.err {worst[0]:.2e}, "
            f"worst far rel.err {worst[1]:.2e} (target <= 1e-6)"
        )
        ok &= bool(np.all(worst <= 1e-6))
    print(f"\nall targets met: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
