"""The static arithmetic task, one module a job.

* :mod:`~.task`: the task as fixed arrays, for a notebook's short runs.
* :mod:`~.benchmark`: those short runs, many seeds at once (notebooks 04 and 05).
* :mod:`~.protocol`: Madsen & Johansen's protocol: subsets, evaluation sets, threshold,
  model selection, published figures.
* :mod:`~.stream`: their training data, made inside the compiled graph.
* :mod:`~.cells`: their models, one :class:`~.cells.Cell` per model and operation.
* :mod:`~.runner`: :func:`~.runner.run_cell`, one cell for every seed, in parts.
* :mod:`~.results`: the committed table, summaries, and each cell beside the published one.

The functions the notebooks read the committed table with are here too:
``static_task.side_by_side(...)``.
"""

import importlib

__all__ = ["format_side_by_side", "load_results", "side_by_side", "summarize"]


def __getattr__(name: str):
    # loaded when first used: the results need nalu_lib.evaluation, which needs the operations
    if name in __all__:
        return getattr(importlib.import_module("nalu_lib.tasks.static_task.results"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
