"""Short runs of the paper's static arithmetic benchmark (Trask et al. 2018, section 4.1 and
Table 1), many seeds per cell trained at once, within a notebook's minute (notebooks 04 and 05).

For every operation and model, :func:`run` trains one model per seed with
:func:`nalu_lib.train_many` on :func:`~nalu_lib.tasks.static_task.task.static_arithmetic_task`,
then scores each run on the interpolation and extrapolation sets:

* the paper's scaled error, ``100 * MSE / MSE of the untrained (random) model``;
* success: an extrapolation MSE below the worst near-exact solution's
  (:func:`nalu_lib.evaluation.worst_case_threshold`), with a Wilson interval for the success rate.

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
from nalu_lib.tasks.operations import OPERATIONS
from nalu_lib.tasks.static_task.task import static_arithmetic_task

__all__ = ["MODELS", "ShortRunResult", "run"]

#: The models of the paper's Table 1, each two layers with a hidden layer of 2 units (the two
#: sums ``a`` and ``b``), except the MLP, which gets 16 hidden units so that it can at least
#: fit the training range. The NALU is the paper's, computed in float32 throughout.
MODELS: dict[str, Callable] = {
    "MLP (ReLU6)": lambda: mlp(hidden=(16,), activation="relu6"),
    "Linear": lambda: mlp(hidden=(2,), activation=None),
    "NAC": lambda: stacked("nac", (2, 1)),
    "NALU": lambda: stacked("nalu", (2, 1), log_space_dtype=None),
}


@dataclass
class ShortRunResult:
    """One cell of a short run: one operation, one model, one run per seed.

    Per seed: the MSEs on the interpolation and extrapolation sets and their scaled errors;
    ``threshold`` is :func:`nalu_lib.evaluation.worst_case_threshold`, ``seconds`` the training
    time, ``ensemble`` the models if kept. Notebooks 04 and 05 read it.
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

    @property
    def successes(self) -> np.ndarray:
        """Per seed: is the extrapolation MSE below the near-exact solution's? (Notebooks 04 and 05.)"""
        return self.extrapolation_mse < self.threshold

    @property
    def success_rate(self) -> tuple[float, float, float]:
        """``(rate, low, high)``: the fraction of successful seeds and its 95% Wilson interval
        (notebooks 04 and 05)."""
        return evaluation.success_rate(self.successes)


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
            )
        )
    return results
