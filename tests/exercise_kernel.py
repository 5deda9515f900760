"""Run a notebook's exercise checks on chosen answers, in one live kernel per notebook.

The exercise tests (``tests/test_exercises_*.py``) use this to show that every check cell
accepts each right form of an answer and rejects each plausible wrong one, with its message::

    with ExerciseKernel("05_where_nalu_breaks.ipynb") as kernel:
        ok, output = kernel.check("05-ex2", "nau3_W = np.array([[1.0], [1.0], [-1.0]])")

The kernel runs the notebook's cells up to its first exercise once; ``check`` then runs the
answer, then the exercise's check cell (the cell whose nbgrader ``grade_id`` is
``<exercise>-check``), and after it the instructor's solution again, so that one answer does
not leak into the next exercise.
"""

from __future__ import annotations

import json
import os
import pathlib
import queue

from jupyter_client.manager import start_new_kernel

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def execute(client, code: str, timeout: float, stop_on_error: bool = True) -> tuple[str, str | None, str]:
    """Run ``code`` in the kernel behind ``client``; return what it printed, its error as
    ``"Name: value"`` (``None`` if it raised nothing), and the request's id."""
    msg_id = client.execute(code, stop_on_error=stop_on_error)
    printed, error = [], None
    while True:
        try:
            msg = client.get_iopub_msg(timeout=timeout)
        except queue.Empty as exc:
            raise TimeoutError(f"no answer from the kernel in {timeout} s") from exc
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            printed.append(content["text"])
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(printed), error, msg_id


def _cells(path: pathlib.Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


class ExerciseKernel:
    """A kernel that has run a notebook up to its exercises (see the module docstring)."""

    def __init__(self, notebook: str, timeout: float = 600):
        self.path = NOTEBOOKS / notebook
        self.timeout = timeout
        self.cells = _cells(self.path)
        self.by_id = {_grade_id(c): c for c in self.cells if _grade_id(c)}
        first = next(i for i, c in enumerate(self.cells) if (_grade_id(c) or "").endswith("-solution"))
        self.setup = [
            "".join(c["source"])
            for c in self.cells[:first]
            if c["cell_type"] == "code" and not "".join(c["source"]).lstrip().startswith("%")
        ]

    def __enter__(self) -> ExerciseKernel:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        self.manager, self.client = start_new_kernel(cwd=str(NOTEBOOKS), env=env)
        for source in self.setup:
            ok, output = self.run(source)
            if not ok:
                raise RuntimeError(f"{self.path.name}: a cell before the exercises failed:\n{output}")
        return self

    def __exit__(self, *exc) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def run(self, code: str) -> tuple[bool, str]:
        """Run ``code``; return whether it raised nothing, and what it printed or raised."""
        try:
            printed, error, msg_id = execute(self.client, code, self.timeout, stop_on_error=False)
        except TimeoutError as exc:
            raise TimeoutError(f"{self.path.name}: {exc}") from exc
        output = [printed] if error is None else [printed, error]
        while True:  # the reply to this request (an earlier request's reply may still be queued)
            reply = self.client.get_shell_msg(timeout=self.timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]["status"] == "ok", "".join(output)

    def source(self, grade_id: str) -> str:
        return "".join(self.by_id[grade_id]["source"])

    def check(self, exercise: str, answer: str, restore: bool = True) -> tuple[bool, str]:
        """Run ``answer`` then the check cell of ``exercise`` (e.g. ``"05-ex2"``); return whether
        the check passed and what it printed. The instructor's solution runs afterwards, unless
        ``restore=False`` (for a costly solution whose state the next answer overwrites anyway)."""
        ok, output = self.run(answer)
        if ok:
            ok, output = self.run(self.source(f"{exercise}-check"))
        solution = f"{exercise}-solution"
        if restore and solution in self.by_id:
            restored, restored_output = self.run(self.source(solution))
            if not restored:
                raise RuntimeError(f"{exercise}: the instructor's solution failed:\n{restored_output}")
        return ok, output
