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

:mod:`.cells` builds their models, :mod:`.stream` makes their training data inside the graph,
:mod:`.runner` trains a cell for every seed at once, and :mod:`.results` reads the committed
table (``benchmarks/static_task_table.py`` writes it). Notebook 04 describes the protocol;
notebooks 04 and 05 read the table.

Where this differs from their runs (why each: ``docs/design.md``):

* One stream of training inputs shared by all seeds of a cell (each seed keeps its own subsets,
  targets and weights); theirs is one per seed, as with ``per_seed_inputs=True``.
* Keras's Adam adds epsilon (1e-8) to ``sqrt(v)``, PyTorch's to the bias-corrected
  ``sqrt(v / (1 - beta_2^t))``: in effect a larger epsilon in the first few thousand steps.
* Each cell runs in parts of at most a time limit, each continuing the last from a checkpoint
  (the parts together are the uninterrupted run), to 5 million steps as theirs.
* Our float32 arithmetic is TensorFlow's on this CPU, theirs PyTorch's: a chaotic run (the
  NALU's) can take another path from the same start; and the same code on another CPU (with
  or without AVX-512, say) can differ in the last digits of a few seeds.

As theirs, the NALU's exponent is not clipped (``NALU(clip_exponent=False)``): a run whose
``m`` overflows has a NaN loss from then on, and model selection takes its best step before.
"""

from __future__ import annotations

import numpy as np

from nalu_lib.checks import check_integer, check_number
from nalu_lib.tasks.operations import combine
from nalu_lib.tasks.static_task.task import EXTRAPOLATION_RANGE, INPUT_SIZE, INTERPOLATION_RANGE, consecutive_subsets

__all__ = [
    "BATCH_SIZE",
    "EVALUATE_EVERY",
    "LEARNING_RATE",
    "MAX_STEPS",
    "PUBLISHED",
    "PUBLISHED_THRESHOLDS",
    "SELECTION_WINDOW",
    "evaluation_sets",
    "published_threshold",
    "select",
    "subset_masks",
    "subset_offset",
]

BATCH_SIZE = 128
LEARNING_RATE = 1e-3
EVALUATE_EVERY = 1000
MAX_STEPS = 5_000_000
#: Model selection looks at this many of the last evaluations (their ``best.range``).
SELECTION_WINDOW = 5000
#: The seeds of their fixed validation and test sets.
VALIDATION_SEED, TEST_SEED = 43953907, 8689336


def subset_offset(seed: int) -> int:
    """Where ``a``'s subset starts for ``seed``: their ``RandomState(seed).randint(0, 63)``
    (the stream's subsets; no notebook calls it)."""
    return int(consecutive_subsets(seed)[0][0])


def subset_masks(seeds: list[int]) -> np.ndarray:
    """``(n_seeds, 100, 2)``: column 0 picks ``a``'s inputs, column 1 ``b``'s, per seed (for
    :func:`evaluation_sets`; no notebook calls it)."""
    masks = np.zeros((len(seeds), INPUT_SIZE, 2), dtype=np.float32)
    for i, seed in enumerate(seeds):
        a_index, b_index = consecutive_subsets(seed)
        masks[i, a_index, 0] = 1.0
        masks[i, b_index, 1] = 1.0
    return masks


def evaluation_sets(op: str, seeds: list[int], n: int = 10_000) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Their validation (interpolation) and test (extrapolation) sets: ``{"interpolation": (x, y),
    "extrapolation": (x, y)}`` with ``x`` of shape ``(n, 100)`` shared by all seeds and ``y`` of
    shape ``(n_seeds, n, 1)``, since each seed has its own subsets. Targets are computed in
    float64, then rounded to float32, as theirs are. :func:`~.runner.run_cell` scores on them;
    no notebook calls it."""
    masks = subset_masks(seeds).astype(np.float64)
    sets = {}
    for name, value_range, seed in (
        ("interpolation", INTERPOLATION_RANGE, VALIDATION_SEED),
        ("extrapolation", EXTRAPOLATION_RANGE, TEST_SEED),
    ):
        x = np.random.RandomState(seed).uniform(*value_range, size=(n, INPUT_SIZE))
        ab = np.einsum("nd,sdk->snk", x, masks)
        sets[name] = (x.astype(np.float32), combine(op, ab[..., 0], ab[..., 1])[..., None].astype(np.float32))
    return sets


def published_threshold(op: str, epsilon: float = 1e-5, n: int = 1_000_000, subset_size: int = 26) -> float:
    """Their success threshold, computed as their R script computes it.

    The extrapolation MSE (``n`` inputs from U[2, 6]) of a first layer whose subset weights are
    ``1 - epsilon`` and all others ``epsilon``, followed by an exact second layer. Their script
    (``export/function_task_static_mse_expectation.r``) indexes R's inclusive ranges, so its
    subsets have 26 inputs sharing 13, one more than the data's 25 and 12; ``subset_size=25``
    gives the threshold for the data as trained.

    Args:
        op: ``"add"``, ``"sub"`` or ``"mul"``.
        epsilon: How far from exact every weight is.
        n: How many extrapolation inputs the MSE averages over.
        subset_size: The subsets' size as the script indexes them (26; the data's is 25).

    Notebook 04 explains the threshold; :func:`~.runner.run_cell` judges success by it.
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
        x = rng.uniform(*EXTRAPOLATION_RANGE, size=(min(100_000, n - done), INPUT_SIZE))
        a, b = x[:, :subset_size].sum(1), x[:, subset_size - overlap : 2 * subset_size - overlap].sum(1)
        total += float(np.sum((combine(op, x @ a_w, x @ b_w) - combine(op, a, b)) ** 2))
        done += len(x)
    return total / n


#: Madsen & Johansen's (2020) published results (``paper/results/function_task_static.tex``,
#: 100 seeds each): success rate, its 95% interval, and the median "solved at" step.
PUBLISHED = {
    "NACmul:mul": (0.31, 0.23, 0.41, 2.8e6),
    "NALU:mul": (0.00, 0.00, 0.04, None),
    "NMU:mul": (0.98, 0.93, 0.99, 1.4e6),
    "NAC+:add": (1.00, 0.96, 1.00, 2.5e5),
    "Linear:add": (1.00, 0.96, 1.00, 6.1e4),
    "NALU:add": (0.14, 0.09, 0.22, 1.5e6),
    "NAU:add": (1.00, 0.96, 1.00, 1.8e4),
    "NAC+:sub": (1.00, 0.96, 1.00, 9.0e3),
    "Linear:sub": (0.07, 0.03, 0.14, 3.3e6),
    "NALU:sub": (0.14, 0.09, 0.22, 1.9e6),
    "NAU:sub": (1.00, 0.96, 1.00, 5.0e3),
}

#: Their thresholds as published, to compare with :func:`published_threshold`.
PUBLISHED_THRESHOLDS = {"mul": 0.1600, "add": 1.479e-5, "sub": 1.384e-8}


def select(interpolation: np.ndarray) -> np.ndarray:
    """Their model selection: per seed, the index of the first lowest validation error among the
    last :data:`SELECTION_WINDOW` evaluations (NaN counts as worst; all NaN: the last).

    ``interpolation`` holds the validation errors, one row per evaluation and one column per
    seed. Notebook 04 describes the selection.
    """
    window = interpolation[-SELECTION_WINDOW:]
    offset = len(interpolation) - len(window)
    clean = np.where(np.isfinite(window), window, np.inf)
    index = offset + np.argmin(clean, axis=0)
    all_nan = ~np.any(np.isfinite(window), axis=0)
    return np.where(all_nan, len(interpolation) - 1, index)
