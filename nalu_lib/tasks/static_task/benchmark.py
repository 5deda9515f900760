"""Short runs of the paper's static arithmetic benchmark (Trask et al. 2018, section 4.1 and
Table 1), many seeds per cell trained at once, within a notebook's minute (notebooks 04 and 05).

For every operation and model, :func:`run` trains one model per seed with
:func:`nalu_lib.train_many` on :func:`~nalu_lib.tasks.static_task.task.static_arithmetic_task`,
then scores each run on the interpolation and extrapolation sets:

* the paper's scaled error, ``100 * MSE / MSE of the untrained (random) model``;
* success, two ways, each with a Wilson interval for the success rate: an extrapolation MSE
  below the worst near-exact solution's (:func:`nalu_lib.evaluation.worst_case_threshold`, a
  bound of the series' own), and below Madsen & Johansen's threshold for the same task
  (:func:`their_threshold`), which is stricter.

Nothing here looks at the extrapolation set before training ends: every run trains for a fixed
number of steps and is scored on its final weights, so no model selection can see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import keras
import numpy as np

from nalu_lib import evaluation
from nalu_lib.checks import check_integer, check_number
from nalu_lib.engine.optimizers import default_optimizer
from nalu_lib.engine.train_many import Ensemble, train_many
from nalu_lib.models import mlp, stacked
from nalu_lib.tasks.operations import OPERATIONS, apply_op
from nalu_lib.tasks.static_task.task import static_arithmetic_task

__all__ = ["MODELS", "ShortRunResult", "run", "their_threshold"]

#: The models of the paper's Table 1, each two layers with a hidden layer of 2 units (the two
#: sums ``a`` and ``b``), except the MLP, which gets 16 hidden units so that it can at least
#: fit the training range. The NALU is the paper's, computed in float32 throughout.
MODELS: dict[str, Callable] = {
    "MLP (ReLU6)": lambda: mlp(hidden=(16,), activation="relu6"),
    "Linear": lambda: mlp(hidden=(2,), activation=None),
    "NAC": lambda: stacked("nac", (2, 1)),
    "NALU": lambda: stacked("nalu", (2, 1), log_space_dtype=None),
}


def their_threshold(task, epsilon: float = 1e-5) -> float:
    """Madsen & Johansen's success threshold, computed for a static task's own extrapolation set.

    Their near-exact solution (2020, section 4.1.1) gives every input of ``a``'s subset the
    weight ``1 - epsilon`` and every other input ``epsilon``, the same for ``b``, and applies the
    operation exactly; the threshold is the mean squared difference between its answers and the
    exact ones on extrapolation inputs, as their script ``export/function_task_static_mse_expectation.r``
    computes it for every operation. Here the inputs are ``task.x_extrapolation``, so the
    threshold fits any sizes, ranges and signs; for the default task and ``+``, ``-``, ``x`` it
    agrees with :func:`nalu_lib.tasks.static_task.protocol.published_threshold` (their script's
    million draws, ``subset_size=25``) to within a few percent. It is smaller than
    :func:`nalu_lib.evaluation.worst_case_threshold`, whose box of weights holds their solution.
    ``task`` is a :class:`~nalu_lib.tasks.static_task.task.StaticTask`. Notebooks 04 and 05 use it.
    """
    epsilon = check_number("epsilon", epsilon, positive=True)
    x = np.asarray(task.x_extrapolation, dtype=np.float64)
    total = x.sum(axis=1)
    sums, near = [], []
    for index in (task.a_index, task.b_index):
        exact = x[:, index].sum(axis=1)
        sums.append(exact)
        near.append((1 - epsilon) * exact + epsilon * (total - exact))
    return float(np.mean((apply_op(task.op, *near) - apply_op(task.op, *sums)) ** 2))


@dataclass
class ShortRunResult:
    """One cell of a short run: one operation, one model, one run per seed.

    Per seed: the MSEs on the interpolation and extrapolation sets and their scaled errors;
    ``threshold`` is :func:`nalu_lib.evaluation.worst_case_threshold` (the series' own bound),
    ``their_threshold`` Madsen & Johansen's for the same task (:func:`their_threshold`; NaN if
    not computed), ``seconds`` the training time, ``ensemble`` the models if kept. Notebooks 04
    and 05 read it.
    """

    op: str
    model: str
    seeds: list[int]
    interpolation_mse: np.ndarray
    extrapolation_mse: np.ndarray
    interpolation_scaled: np.ndarray
    extrapolation_scaled: np.ndarray
    threshold: float
    seconds: float
    steps: int = 0
    ensemble: Ensemble | None = field(default=None, repr=False)
    their_threshold: float = float("nan")

    def successes_below(self, threshold: float) -> np.ndarray:
        """Per seed: is the extrapolation MSE below ``threshold``? (Notebooks 04 and 05.)"""
        threshold = check_number("threshold", threshold, positive=True)
        return self.extrapolation_mse < threshold

    @property
    def successes(self) -> np.ndarray:
        """Per seed: is the extrapolation MSE below the worst near-exact solution's (``threshold``,
        the series' own bound)? (Notebooks 04 and 05.)"""
        return self.extrapolation_mse < self.threshold

    @property
    def success_rate(self) -> tuple[float, float, float]:
        """``(rate, low, high)``: the fraction of seeds that succeed by ``threshold`` and its 95%
        Wilson interval (notebooks 04 and 05)."""
        return evaluation.success_rate(self.successes)

    @property
    def their_successes(self) -> np.ndarray:
        """Per seed: is the extrapolation MSE below Madsen & Johansen's threshold
        (``their_threshold``)? A ValueError if it was not computed. (Notebooks 04 and 05.)"""
        if not np.isfinite(self.their_threshold):
            raise ValueError(f"their_threshold was not computed for this cell, got {self.their_threshold!r}")
        return self.extrapolation_mse < self.their_threshold

    @property
    def their_success_rate(self) -> tuple[float, float, float]:
        """``(rate, low, high)`` as :attr:`success_rate`, by Madsen & Johansen's threshold
        (notebooks 04 and 05)."""
        return evaluation.success_rate(self.their_successes)


def run(
    ops: Iterable[str] = OPERATIONS,
    models: dict[str, Callable] | None = None,
    *,
    seeds: int = 20,
    steps: int = 10000,
    batch_size: int | None = 128,
    learning_rate: float = 0.01,
    n_train: int = 1000,
    task_seed: int = 0,
    task_options: dict | None = None,
    keep_models: bool = False,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> list[ShortRunResult]:
    """Train every model on every operation, ``seeds`` runs each, and score them.

    Args:
        ops: Operations, from :data:`nalu_lib.tasks.operations.OPERATIONS`.
        models: ``{name: function returning an unbuilt model}``; default :data:`MODELS`.
        seeds: Runs per cell (seeds 0 to ``seeds - 1``).
        steps, batch_size, learning_rate: Training settings, the same for every model:
            nalu_lib's default Adam on random mini-batches of the training set, its learning
            rate decaying linearly to a thousandth of ``learning_rate`` over the run, so that
            weights that belong at 0 can settle there instead of jittering by a step size.
        n_train: Training examples per task.
        task_seed: Seed of the task (which inputs are summed, and the data).
        task_options: Other arguments of :func:`~nalu_lib.tasks.static_task.task.static_arithmetic_task`, such as
            ``input_size``, ``subset_size``, ``overlap`` and the ranges (notebook 05 uses a
            one-layer version: ``{"input_size": 10, "subset_size": 1, "overlap": 0}``).
        keep_models: Keep each cell's :class:`nalu_lib.Ensemble` in ``ShortRunResult.ensemble``.
        progress: Optional wrapper for the loop over cells, such as ``tqdm``.

    Taught in notebook 04; notebook 05 uses it.
    """
    seeds = check_integer("seeds", seeds, minimum=1)
    steps = check_integer("steps", steps, minimum=1)
    learning_rate = check_number("learning_rate", learning_rate, positive=True)
    n_train = check_integer("n_train", n_train, minimum=1)
    task_seed = check_integer("task_seed", task_seed, minimum=0)
    models = MODELS if models is None else models
    cells = [(op, name) for op in ops for name in models]
    results = []
    for op, name in progress(cells) if progress else cells:
        task = static_arithmetic_task(op, n_train=n_train, seed=task_seed, **(task_options or {}))
        ensemble = train_many(
            models[name],
            task.x_train,
            task.y_train,
            seeds=seeds,
            steps=steps,
            batch_size=batch_size,
            optimizer=default_optimizer(
                keras.optimizers.schedules.PolynomialDecay(learning_rate, steps, learning_rate / 1000)
            ),
        )
        scores = {}
        for split in ("interpolation", "extrapolation"):
            x, y = getattr(task, f"x_{split}"), getattr(task, f"y_{split}")
            mse = evaluation.mse_per_model(ensemble.predict(x), y)
            random_mse = evaluation.mse_per_model(ensemble.predict(x, initial=True), y)
            scores[split] = (mse, evaluation.scaled_error(mse, random_mse[np.isfinite(random_mse)]))
        results.append(
            ShortRunResult(
                op=op,
                model=name,
                seeds=ensemble.seeds,
                interpolation_mse=scores["interpolation"][0],
                extrapolation_mse=scores["extrapolation"][0],
                interpolation_scaled=scores["interpolation"][1],
                extrapolation_scaled=scores["extrapolation"][1],
                threshold=evaluation.worst_case_threshold(task),
                seconds=ensemble.history.seconds,
                steps=steps,
                ensemble=ensemble if keep_models else None,
                their_threshold=their_threshold(task),
            )
        )
    return results
