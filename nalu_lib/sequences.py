"""Sequence and language data for notebooks 07, 08 and 09: the recurrent arithmetic task,
sequences of handwritten digits, and number words in English and Chinese.

Every generator is seeded (the same arguments give the same arrays), checks its arguments
(a ValueError names the bad one), and returns float32 numpy arrays. Nothing is downloaded: the
digits are scikit-learn's bundled ``load_digits`` (1797 images of 8 x 8 pixels, inside the
wheel). :mod:`nalu_lib.data` re-exports every public name here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nalu_lib.checks import check_integer, check_range

__all__ = [
    "RECURRENT_OPS",
    "RecurrentTask",
    "recurrent_arithmetic_task",
]

#: Operations of the recurrent arithmetic task: ``a + b`` and ``a - b`` of the two running sums,
#: or ``"prod"``, the same inputs multiplied instead of added.
RECURRENT_OPS = ("add", "sub", "prod")


# --------------------------------------------------------------------------- notebook 07


@dataclass(frozen=True)
class RecurrentTask:
    """The recurrent arithmetic task at several lengths (see :func:`recurrent_arithmetic_task`).

    Attributes:
        op: ``"add"``, ``"sub"`` or ``"prod"``.
        a_index, b_index: The input positions summed into ``a`` and into ``b``.
        x_train, y_train: Training sequences ``(n_train, train_length, input_size)`` and targets
            ``(n_train, 1)``.
        tests: ``{length: (x, y)}``, test sequences of each test length, drawn apart from the
            training ones.
    """

    op: str
    a_index: np.ndarray
    b_index: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    tests: dict = field(default_factory=dict)


def _op(op, allowed) -> str:
    if op not in allowed:
        raise ValueError(f"op must be one of {', '.join(map(repr, allowed))}; got op={op!r}")
    return op


def recurrent_arithmetic_task(
    op: str = "add",
    *,
    train_length: int = 10,
    test_lengths: tuple[int, ...] = (100, 1000),
    n_train: int = 500,
    n_test: int = 100,
    input_size: int = 10,
    subset_size: int = 3,
    overlap: int = 1,
    value_range: tuple[float, float] = (0.0, 1.0),
    seed: int = 0,
) -> RecurrentTask:
    """The recurrent arithmetic task (Trask et al. 2018, section 4.1, recurrent version).

    At every time step ``t`` a vector ``x_t`` of ``input_size`` numbers is drawn uniformly from
    ``value_range``. ``a`` is the sum over *all* time steps of ``x_t`` at ``subset_size`` fixed
    positions, ``b`` the same over another ``subset_size`` positions (``overlap`` of them shared
    with ``a``'s); the target, given after the last step, is ``a + b`` (``op="add"``) or
    ``a - b`` (``"sub"``). With ``op="prod"`` the same inputs are multiplied instead of added:
    the target is the product over all time steps of ``x_t`` at ``a``'s positions times that at
    ``b``'s, and the inputs are drawn *log*-uniformly from ``value_range`` (``log x`` uniform),
    so that with a range such as ``(0.9, 1 / 0.9)`` the product drifts neither to 0 nor to
    infinity over a thousand steps.

    Sums grow with the length, so a model trained on ``train_length`` steps and tested on
    longer sequences must extrapolate. The positions and every example are drawn with ``seed``.
    Returns a :class:`RecurrentTask`. Notebook 07.
    """
    _op(op, RECURRENT_OPS)
    train_length = check_integer("train_length", train_length, minimum=1)
    try:
        test_lengths = tuple(check_integer("test_lengths", n, minimum=1) for n in test_lengths)
    except TypeError:
        raise ValueError(f"test_lengths must be a tuple of integers >= 1, got test_lengths={test_lengths!r}") from None
    n_train = check_integer("n_train", n_train, minimum=1)
    n_test = check_integer("n_test", n_test, minimum=1)
    input_size = check_integer("input_size", input_size, minimum=1)
    subset_size = check_integer("subset_size", subset_size, minimum=1)
    overlap = check_integer("overlap", overlap, minimum=0)
    if overlap > subset_size:
        raise ValueError(f"overlap must be at most subset_size={subset_size}, got overlap={overlap}")
    if 2 * subset_size - overlap > input_size:
        raise ValueError(
            f"two subsets of subset_size={subset_size} sharing overlap={overlap} need "
            f"{2 * subset_size - overlap} positions, but input_size={input_size}"
        )
    low, high = check_range("value_range", *value_range)
    if op == "prod" and low <= 0:
        raise ValueError(f"value_range must be positive for op='prod', got value_range={value_range!r}")
    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))
    positions = rng.permutation(input_size)
    a_index = np.sort(positions[:subset_size])
    b_index = np.sort(positions[subset_size - overlap : 2 * subset_size - overlap])

    def sample(n, length):
        shape = (n, length, input_size)
        if op == "prod":
            x = np.exp(rng.uniform(np.log(low), np.log(high), size=shape)).astype(np.float32)
        else:
            x = rng.uniform(low, high, size=shape).astype(np.float32)
        x64 = x.astype(np.float64)
        if op == "prod":
            log_y = np.log(x64[:, :, a_index]).sum(axis=(1, 2)) + np.log(x64[:, :, b_index]).sum(axis=(1, 2))
            with np.errstate(over="ignore"):  # beyond float64: inf, refused below
                y = np.exp(log_y)
        else:
            a = x64[:, :, a_index].sum(axis=(1, 2))
            b = x64[:, :, b_index].sum(axis=(1, 2))
            y = a + b if op == "add" else a - b
        with np.errstate(over="ignore"):  # beyond float32: inf, refused below
            y32 = y.astype(np.float32)[:, None]
        if not np.all(np.isfinite(y32)) or (op == "prod" and np.any(y32 == 0)):
            raise ValueError(
                f"the targets of op={op!r} leave float32's range for sequences of length {length}: "
                "choose a narrower value_range or shorter sequences"
            )
        return x, y32

    x_train, y_train = sample(n_train, train_length)
    tests = {length: sample(n_test, length) for length in test_lengths}
    return RecurrentTask(op, a_index, b_index, x_train, y_train, tests)
