"""The committed results of the static table: reading them, summarising a cell, and putting
each cell beside the published one (notebooks 04 and 05)."""

from __future__ import annotations

import csv
import pathlib

import numpy as np

from nalu_lib.evaluation import format_table, success_rate
from nalu_lib.tasks.static_task.cells import CELLS
from nalu_lib.tasks.static_task.protocol import BATCH_SIZE, EVALUATE_EVERY, LEARNING_RATE, PUBLISHED

__all__ = [
    "CSV_COLUMNS",
    "PUBLISHED_PER_SEED_CSV",
    "RESULTS_CSV",
    "compare",
    "format_side_by_side",
    "load_published_per_seed",
    "load_results",
    "result_rows",
    "seed_figures",
    "side_by_side",
    "summarize",
]

#: The committed results, shipped inside the package so that a notebook opened alone reads them.
RESULTS_CSV = pathlib.Path(__file__).resolve().parents[2] / "results" / "static_task_table.csv"


#: Madsen & Johansen's own per-seed results for the eleven cells: the rows of their
#: ``paper/results/sft-last.csv`` (AndreasMadsen/stable-nalu, commit b3296ac), written by their
#: ``export/function_task_static.r``, whose summary is their published table. Their columns are
#: kept as they are (``extrapolation.step.solved`` in steps, ``best.model.step`` an evaluation's
#: index, ``size`` the evaluations logged: 5001 for a run to 5 million steps); ``cell`` is added.
PUBLISHED_PER_SEED_CSV = RESULTS_CSV.with_name("madsen_johansen_sft_last.csv")


#: The columns of the results CSV: one row per seed; the run's settings repeat on each row.
CSV_COLUMNS = [
    "cell",
    "model",
    "op",
    "seed",
    "success",
    "solved_at",
    "extrapolation_mse",
    "interpolation_mse",
    "sparsity_error",
    "selected_step",
    "steps_run",
    "max_steps",
    "stop_reason",
    "wall_seconds",
    "cpu_seconds",
    "us_per_step",
    "threshold",
    "batch_size",
    "learning_rate",
    "evaluate_every",
    "per_seed_inputs",
]


def result_rows(result, per_seed_inputs: bool = False) -> list[dict]:
    """The CSV rows of one cell (see :data:`CSV_COLUMNS`): one per seed of ``result``, a
    :class:`~.runner.CellResult`, with ``per_seed_inputs`` recorded beside the protocol's settings.
    ``benchmarks/static_task_table.py`` writes them; no notebook calls it."""
    model, op = result.cell.split(":")
    rows = []
    for i, seed in enumerate(result.seeds):
        rows.append(
            {
                "cell": result.cell,
                "model": model,
                "op": op,
                "seed": seed,
                "success": int(result.success[i]),
                "solved_at": int(result.solved_at[i]),
                "extrapolation_mse": f"{result.extrapolation_mse[i]:.6g}",
                "interpolation_mse": f"{result.interpolation_mse[i]:.6g}",
                "sparsity_error": f"{result.sparsity_error[i]:.6g}",
                "selected_step": int(result.selected_step[i]),
                "steps_run": result.steps_run,
                "max_steps": result.max_steps,
                "stop_reason": result.stop_reason,
                "wall_seconds": f"{result.wall_seconds:.1f}",
                "cpu_seconds": f"{result.cpu_seconds:.1f}",
                "us_per_step": f"{result.us_per_step:.1f}",
                "threshold": f"{result.threshold:.6g}",
                "batch_size": BATCH_SIZE,
                "learning_rate": LEARNING_RATE,
                "evaluate_every": EVALUATE_EVERY,
                "per_seed_inputs": int(per_seed_inputs),
            }
        )
    return rows


def summarize(rows: list[dict]) -> dict:
    """One cell's figures from its CSV rows (:func:`load_results`): the success rate and its
    Wilson 95% interval, the median solved-at step and sparsity error of the successful seeds,
    steps run, wall seconds, CPU-hours, time per step, seeds and why it stopped. Printed by the
    benchmark, plotted in notebooks 04 and 05; :func:`compare` puts it beside theirs."""
    cell = rows[0]["cell"]
    success = np.array([r["success"] for r in rows], dtype=bool)
    rate, low, high = success_rate(success)
    solved = [r["solved_at"] for r in rows if r["success"]]
    sparsity = [r["sparsity_error"] for r in rows if r["success"]]
    return {
        "cell": cell,
        "rate": rate,
        "low": low,
        "high": high,
        "solved": float(np.median(solved)) if solved else None,
        "sparsity": float(np.median(sparsity)) if sparsity else None,
        "steps": rows[0]["steps_run"],
        "wall": rows[0]["wall_seconds"],
        "cpu_hours": rows[0]["cpu_seconds"] / 3600,
        "us_per_step": rows[0]["us_per_step"],
        "reason": rows[0]["stop_reason"],
        "seeds": len(rows),
    }


def load_results(path: str | pathlib.Path | None = None) -> dict[str, list[dict]]:
    """The results CSV as ``{cell: [row per seed]}``; the committed one by default (notebooks
    04 and 05). Numbers are converted; a missing file gives ``{}``."""
    path = RESULTS_CSV if path is None else pathlib.Path(path)
    if not path.exists():
        return {}
    cells: dict[str, list[dict]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            for key in ("seed", "success", "solved_at", "selected_step", "steps_run", "max_steps", "batch_size"):
                row[key] = int(row[key])
            for key in ("extrapolation_mse", "interpolation_mse", "sparsity_error", "wall_seconds", "cpu_seconds"):
                row[key] = float(row[key])
            for key in ("us_per_step", "threshold", "learning_rate"):
                row[key] = float(row[key])
            cells.setdefault(row["cell"], []).append(row)
    return cells


def side_by_side(live: dict[str, tuple] | None = None, cells: list[str] | None = None, path=None) -> list[dict]:
    """Each cell three ways: published, ours at their full protocol, ours in a notebook's short run.

    ``live`` maps a cell's name (``"NMU:mul"``) to the ``(rate, low, high)`` of a notebook's
    own short run; ``cells`` picks and orders the cells (default: every cell in the results, in
    the published table's order). The full-protocol figures come from the committed results CSV
    (:func:`load_results`, or ``path``), shipped inside the package. Returns one dict per
    cell: ``label``, the three ``(rate, low, high)`` triples ``published``, ``full`` and
    ``live`` (``None`` where missing), ``summary``, the full run's :func:`summarize`, and
    ``versus``, our seeds beside theirs (:func:`compare` with their per-seed file). Plot with
    :func:`nalu_lib.notebook.plots.protocol_success_rates`, print with
    :func:`format_side_by_side` (notebooks 04 and 05).
    """
    live = dict(live or {})
    results = load_results(path)
    names = list(cells) if cells is not None else [c for c in CELLS if c in results]
    unknown = [name for name in [*names, *live] if name not in CELLS]
    if unknown:
        raise ValueError(f"cells must be among {', '.join(CELLS)}, got {', '.join(map(repr, unknown))}")
    theirs = load_published_per_seed()
    rows = []
    for name in names:
        ours = results.get(name)
        summary = summarize(ours) if ours else None
        rows.append(
            {
                "cell": name,
                "label": name.replace(":", " "),
                "published": PUBLISHED[name][:3],
                "full": None if summary is None else (summary["rate"], summary["low"], summary["high"]),
                "live": None if live.get(name) is None else tuple(float(v) for v in live[name]),
                "summary": summary,
                "versus": compare(ours, theirs[name]),
            }
        )
    return rows


def format_side_by_side(rows: list[dict]) -> str:
    """:func:`side_by_side`'s rows as a table: their successes and ours out of 100 seeds with
    Fisher's exact test of the two counts, the short run's rate with its 95% interval, the median
    solved-at step and the median sparsity error of the successful seeds, theirs and ours, and
    what our run cost (notebooks 04 and 05)."""

    def rate(triple):
        return "-" if triple is None else f"{triple[0]:.0%} ({triple[1]:.0%}-{triple[2]:.0%})"

    def count(side):
        return "-" if side is None else f"{side['successes']}/{side['seeds']}"

    def median_solved(side):
        quartiles = None if side is None else side["solved_at_quartiles"]
        return "-" if quartiles is None else f"{quartiles[1]:,.0f}"

    def sparsity(side):
        return "-" if side is None or side["sparsity_median"] is None else f"{side['sparsity_median']:.1e}"

    def column(get):
        return [get(row["versus"]) for row in rows]

    return format_table(
        {
            "cell": [row["cell"] for row in rows],
            "theirs": column(lambda v: count(v["theirs"])),
            "ours": column(lambda v: count(v["ours"])),
            "Fisher p": column(lambda v: "-" if v["p"] is None else f"{v['p']:.2f}"),
            "short run": [rate(row["live"]) for row in rows],
            "solved at, theirs": column(lambda v: median_solved(v["theirs"])),
            "solved at, ours": column(lambda v: median_solved(v["ours"])),
            "sparsity, theirs": column(lambda v: sparsity(v["theirs"])),
            "sparsity, ours": column(lambda v: sparsity(v["ours"])),
            "CPU-hours": ["-" if not row["summary"] else f"{row['summary']['cpu_hours']:.2f}" for row in rows],
        }
    )


def load_published_per_seed(path: str | pathlib.Path | None = None) -> dict[str, list[dict]]:
    """Their per-seed results (:data:`PUBLISHED_PER_SEED_CSV`) as ``{cell: [row per seed]}``, with
    ``success`` (their ``solved``), ``solved_at`` (their first step whose extrapolation error is
    below the threshold, -1 where never), ``sparsity_error`` (at their selected step),
    ``evaluations`` (the rows their run logged) and ``selected_evaluation`` (their
    ``best.model.step``: the position, counting from 1, of the selected row among them)."""
    path = PUBLISHED_PER_SEED_CSV if path is None else pathlib.Path(path)
    cells: dict[str, list[dict]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            solved_at = row["extrapolation.step.solved"]
            sparsity = row["sparse.error.max"]
            cells.setdefault(row["cell"], []).append(
                {
                    "cell": row["cell"],
                    "seed": int(row["seed"]),
                    "success": int(row["solved"] == "TRUE"),
                    "solved_at": int(float(solved_at)) if solved_at not in ("", "NA") else -1,
                    "sparsity_error": float(sparsity) if sparsity not in ("", "NA") else float("nan"),
                    "evaluations": int(row["size"]),
                    "selected_evaluation": int(row["best.model.step"]),
                }
            )
    return cells


def seed_figures(rows: list[dict]) -> dict:
    """A cell's seeds summarised as Madsen & Johansen summarise them (``export/_compute_summary.r``):
    the successes out of the seeds, and over the successful seeds only the quartiles of "solved
    at" and the median and mean sparsity error (``None`` without a success). For our rows
    (:func:`load_results`) and theirs (:func:`load_published_per_seed`) alike."""
    success = np.array([r["success"] for r in rows], dtype=bool)
    solved = np.array([r["solved_at"] for r in rows], dtype=float)[success]
    sparsity = np.array([r["sparsity_error"] for r in rows], dtype=float)[success]
    return {
        "successes": int(success.sum()),
        "seeds": len(rows),
        "solved_at_quartiles": tuple(np.percentile(solved, [25, 50, 75])) if len(solved) else None,
        "sparsity_median": float(np.median(sparsity)) if len(sparsity) else None,
        "sparsity_mean": float(np.mean(sparsity)) if len(sparsity) else None,
    }


def compare(ours: list[dict] | None, theirs: list[dict]) -> dict:
    """One cell, ours beside theirs, seed for seed: :func:`seed_figures` of each and Fisher's
    exact test of the two success counts (two-sided ``p``; ``consistent`` when ``p >= 0.05``).
    Without our rows (``None``), ``ours``, ``p`` and ``consistent`` are ``None``. The benchmark
    prints it; notebooks 04 and 05 read it through :func:`side_by_side`."""
    from scipy.stats import fisher_exact

    b = seed_figures(theirs)
    if not ours:
        return {"cell": theirs[0]["cell"], "ours": None, "theirs": b, "p": None, "consistent": None}
    a = seed_figures(ours)
    table = [[a["successes"], a["seeds"] - a["successes"]], [b["successes"], b["seeds"] - b["successes"]]]
    p = float(fisher_exact(table)[1])
    return {"cell": ours[0]["cell"], "ours": a, "theirs": b, "p": p, "consistent": p >= 0.05}
