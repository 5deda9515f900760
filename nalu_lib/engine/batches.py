"""Where a training step's data comes from: checked arrays, mini-batches drawn by a counter-based
hash, or a stream that makes fresh examples inside the graph.

A counter-based hash instead of a random generator gives the same batches on every machine,
for a model trained alone (:func:`nalu_lib.train`) or among others (:func:`nalu_lib.train_many`);
why: ``docs/design.md``. Notebook 04 trains on mini-batches and says what a seed fixes; no
notebook calls this module's functions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

__all__ = ["as_float32", "batch_indices", "check_xy", "counter_hash", "is_stream", "minibatches"]

_MASK32 = 0xFFFFFFFF


def _int32(value: int) -> int:
    """A 32-bit pattern as a signed int32 value."""
    value &= _MASK32
    return value - (1 << 32) if value >= 1 << 31 else value


def _mix32(h):
    """MurmurHash3's 32-bit finalizer on int32 tensors (wrapping multiplication; the shifts are
    masked so that they act as unsigned ones)."""
    xor, shift, mask = tf.bitwise.bitwise_xor, tf.bitwise.right_shift, tf.bitwise.bitwise_and
    h = xor(h, mask(shift(h, 16), 0xFFFF))
    h = h * tf.constant(_int32(0x85EBCA6B), tf.int32)
    h = xor(h, mask(shift(h, 13), 0x7FFFF))
    h = h * tf.constant(_int32(0xC2B2AE35), tf.int32)
    return xor(h, mask(shift(h, 16), 0xFFFF))


def counter_hash(key: int, step, count: int):
    """``count`` pseudo-random 32-bit patterns (int32) for ``step``: a hash of ``(key, step, slot)``.

    ``key`` picks the stream, ``step`` (a tensor) the step, and slots run from 0 to ``count - 1``.
    Behind :func:`batch_indices` and the static task's stream.
    """
    xor = tf.bitwise.bitwise_xor
    h = _mix32(tf.constant(_int32(key), tf.int32))
    h = _mix32(xor(h, tf.cast(step, tf.int32) * tf.constant(_int32(0x27D4EB2F), tf.int32)))
    return _mix32(xor(h, tf.range(count, dtype=tf.int32) * tf.constant(_int32(0x165667B1), tf.int32)))


def batch_indices(data_seed: int, step, batch_size: int, n: int):
    """Mini-batch indices ``(batch_size,)`` in ``[0, n)`` for ``step``, from :func:`counter_hash`;
    ``data_seed`` picks the sequence of batches (``train``'s ``data_seed``)."""
    h = counter_hash((data_seed & _MASK32) ^ 0x9E3779B9, step, batch_size)
    return tf.cast(tf.bitwise.bitwise_and(tf.cast(h, tf.int64), _MASK32) % n, tf.int32)


def as_float32(name: str, value, min_ndim: int = 1) -> np.ndarray:
    """``value`` as a float32 array with at least ``min_ndim`` axes, finite and not empty, or a
    ValueError naming ``name``: the trainers' check of their data."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers ({error})") from None
    if array.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} axes, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf)")
    return array


def check_xy(x, y, sample_axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets as float32 arrays with as many examples (along ``sample_axis``);
    targets of shape ``(n,)`` become ``(n, 1)``, so nothing broadcasts silently to ``(n, n)``.
    The trainers call it on their ``x`` and ``y``."""
    x = as_float32("x", x, min_ndim=2 + sample_axis)
    y = as_float32("y", y, min_ndim=1 + sample_axis)
    if y.ndim == 1 + sample_axis:
        y = y[..., None]
    if x.shape[sample_axis] != y.shape[sample_axis]:
        raise ValueError(
            f"x and y must have the same number of examples, got {x.shape[sample_axis]} and "
            f"{y.shape[sample_axis]} (shapes {x.shape} and {y.shape})"
        )
    return x, y


def is_stream(x) -> bool:
    """Whether ``x`` is a data stream (a ``batch(step)`` method and an ``example`` array), such as
    :class:`~nalu_lib.tasks.static_task.stream.StaticTaskStream`, which ``train_many`` takes as ``x``."""
    return callable(getattr(x, "batch", None)) and hasattr(x, "example")


def minibatches(x: np.ndarray, y: np.ndarray, batch_size: int | None, data_seed: int, axis: int = 0) -> Callable:
    """``batch(step) -> (x_batch, y_batch)``: the whole data when ``batch_size`` is ``None``,
    else ``batch_size`` examples picked by :func:`batch_indices` with ``data_seed`` along ``axis``
    (1 for per-seed data). The trainers' ``batch_size`` and ``data_seed`` arrive here."""
    x_all, y_all = tf.constant(x), tf.constant(y)
    n = x.shape[axis]

    def batch(step):
        if batch_size is None:
            return x_all, y_all
        index = batch_indices(data_seed, step, batch_size, n)
        return tf.gather(x_all, index, axis=axis), tf.gather(y_all, index, axis=axis)

    return batch
