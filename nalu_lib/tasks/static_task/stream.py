"""Madsen & Johansen's training data made inside the compiled graph, fresh for every step.

What :func:`~.runner.run_cell` trains on; no notebook calls it (notebook 04 describes the
protocol's fresh inputs). Its design: ``docs/design.md``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from nalu_lib.checks import check_integer, check_range, check_seeds
from nalu_lib.engine.batches import counter_hash
from nalu_lib.tasks.operations import check_op, combine
from nalu_lib.tasks.static_task.protocol import BATCH_SIZE, subset_offset
from nalu_lib.tasks.static_task.task import INPUT_SIZE, INTERPOLATION_RANGE, OVERLAP, SUBSET_SIZE

__all__ = ["StaticTaskStream"]


class StaticTaskStream:
    """Fresh training examples for every step, made inside the compiled graph.

    ``batch(step)`` returns inputs ``(batch_size, 100)`` from U[1, 2], shared by every seed, and
    targets ``(n_seeds, batch_size, 1)``, each seed's ``op(a, b)`` over its own subsets. The
    inputs are a counter-based hash of ``(data_seed, step, position)``: the same on every
    machine, with no generator state to carry. :func:`nalu_lib.train_many` takes it as ``x``.

    Args:
        op: ``"add"``, ``"sub"`` or ``"mul"``.
        seeds: The seeds; each has its own subsets (:func:`~.protocol.subset_offset`).
        batch_size: Examples per step.
        data_seed: Picks the sequence of inputs.
        value_range: The inputs' range.
        per_seed_inputs: Give every seed its own inputs ``(n_seeds, batch_size, 100)``, as in
            their runs, where each seed has its own stream.
    """

    def __init__(
        self,
        op: str,
        seeds: list[int],
        *,
        batch_size: int = BATCH_SIZE,
        data_seed: int = 0,
        value_range: tuple[float, float] = INTERPOLATION_RANGE,
        per_seed_inputs: bool = False,
    ):
        self.op = check_op(op, ("add", "sub", "mul"))
        self.seeds = check_seeds(seeds)
        self.batch_size = check_integer("batch_size", batch_size, minimum=1)
        self.data_seed = check_integer("data_seed", data_seed, minimum=0)
        self.low, self.high = check_range("value_range", *value_range)
        self.per_seed_inputs = bool(per_seed_inputs)
        offsets = np.array([subset_offset(seed) for seed in self.seeds], dtype=np.int32)
        self.starts = np.stack([offsets, offsets + SUBSET_SIZE - OVERLAP], axis=1)  # (seeds, 2)
        n_windows = INPUT_SIZE - SUBSET_SIZE + 1
        self.band = np.zeros((INPUT_SIZE, n_windows), dtype=np.float32)  # column k sums inputs k to k + 24
        for k in range(n_windows):
            self.band[k : k + SUBSET_SIZE, k] = 1.0
        self.example = np.full((1, INPUT_SIZE), 1.5, dtype=np.float32)

    def inputs(self, step):
        """The inputs of ``step``, uniform in ``[low, high)`` with 24 random bits each (no notebook
        calls it)."""
        copies = len(self.seeds) if self.per_seed_inputs else 1
        count = copies * self.batch_size * INPUT_SIZE
        h = counter_hash(self.data_seed ^ 0x2545F491, step, count)
        bits = tf.bitwise.bitwise_and(tf.bitwise.right_shift(h, 8), 0xFFFFFF)
        unit = tf.cast(bits, tf.float32) * (1.0 / 16777216.0)
        x = self.low + (self.high - self.low) * unit
        shape = (copies, self.batch_size, INPUT_SIZE) if self.per_seed_inputs else (self.batch_size, INPUT_SIZE)
        return tf.reshape(x, shape)

    def batch(self, step):
        """``(x, y)`` of ``step`` (see the class); ``train_many`` calls it at every step.

        ``a`` and ``b`` are picked from the sums of every window of 25 consecutive inputs, one
        small float32 matrix product with a band matrix; why float32 is enough:
        ``docs/design.md``, "The stream's subset sums in float32".
        """
        x = self.inputs(step)
        if self.per_seed_inputs:
            windows = tf.matmul(x, tf.constant(self.band))  # (seeds, batch, 76)
            a = tf.gather(windows, self.starts[:, 0:1], axis=2, batch_dims=1)
            b = tf.gather(windows, self.starts[:, 1:2], axis=2, batch_dims=1)
        else:  # the windows' sums as rows, so that each seed's a and b are a row: no transpose
            windows = tf.matmul(tf.constant(self.band), x, transpose_a=True, transpose_b=True)  # (76, batch)
            a = tf.gather(windows, self.starts[:, 0], axis=0)[..., None]
            b = tf.gather(windows, self.starts[:, 1], axis=0)[..., None]
        return x, combine(self.op, a, b)
