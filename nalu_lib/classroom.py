"""Student versions of the notebooks, for teachers: solutions out, checks in.

Every notebook's exercises are marked the way nbgrader expects: a solution cell whose answer
lies between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, followed by a locked check cell of
``assert`` statements, and written answers in markdown cells marked as solutions. One command,
run from the repository's root, writes a student version of every notebook::

    python -m nalu_lib.classroom student-versions OUTDIR   # one student notebook per notebook
    python -m nalu_lib.classroom exercises                 # list the exercises and their points

A student version is made by nbgrader's own preprocessors, those that
``nbgrader generate_assignment`` runs, less the ones that need its gradebook database: each
solution region becomes ``raise NotImplementedError()``, each written answer "YOUR ANSWER
HERE", outputs are cleared, check cells are locked, and nbgrader validates the metadata. The
check cells are kept, so a student's check fails until the exercise is solved. For nbgrader's
whole workflow (releasing, collecting, auto-grading), copy the notebooks into a course's
``source/ASSIGNMENT/`` folder and run ``nbgrader generate_assignment ASSIGNMENT`` there.

Taught on the start page (notebook 00) and in the README; ``tests/test_classroom.py`` runs the
student versions and checks that their checks fail until the solutions are put back.
"""

from __future__ import annotations

import argparse
import copy
import pathlib
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode

__all__ = [
    "BEGIN_SOLUTION",
    "Exercise",
    "exercises",
    "student_version",
    "write_student_versions",
]

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
#: The markers around a solution, as nbgrader's ``ClearSolutions`` expects them.
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


@dataclass(frozen=True)
class Exercise:
    """One graded exercise of a notebook.

    Attributes:
        grade_id: nbgrader's id of the graded cell (the check cell, or the written answer).
        kind: ``"code"`` (a solution cell and its check cell) or ``"written"`` (a markdown answer).
        points: The points nbgrader gives for it.
        check: Index of the graded cell: the check cell, or the written answer.
        solutions: Indices of the solution cells the check tests (empty for a written answer).
    """

    grade_id: str
    kind: str
    points: float
    check: int
    solutions: tuple[int, ...]


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def exercises(notebook: NotebookNode) -> list[Exercise]:
    """The graded exercises of a notebook, in order (used by the tests and the ``exercises``
    command).

    A code check cell (``grade: true``, not a solution) tests the solution cells since the
    previous graded cell; a markdown cell with ``grade`` and ``solution`` is a written answer.
    """
    found = []
    pending: list[int] = []
    for index, cell in enumerate(notebook.cells):
        meta = _nbgrader(cell)
        if not meta:
            continue
        if meta.get("solution") and cell.cell_type == "code":
            pending.append(index)
        if meta.get("grade"):
            kind = "written" if cell.cell_type == "markdown" else "code"
            solutions = () if kind == "written" else tuple(pending)
            if kind == "code":
                pending = []
            found.append(Exercise(meta.get("grade_id", f"cell-{index}"), kind, meta.get("points", 0), index, solutions))
    return found


def _preprocessors() -> list:
    """nbgrader's preprocessors in ``generate_assignment``'s order, less those that need its
    database (``SaveCells``) or a course directory (``IncludeHeaderFooter``, ``InstantiateTests``)."""
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    return [
        LockCells(),
        ClearSolutions(),
        ClearOutput(),
        CheckCellMetadata(),
        ComputeChecksums(),
        ClearHiddenTests(),
        ClearMarkScheme(),
        ComputeChecksums(),
        CheckCellMetadata(),
    ]


def student_version(notebook: NotebookNode) -> NotebookNode:
    """A student version of ``notebook`` (left unchanged): solutions replaced by stubs, outputs
    and execution counts cleared, check cells locked, as ``nbgrader generate_assignment`` does.

    Raises ``RuntimeError`` or nbgrader's ``ValidationError`` for a malformed solution region or
    nbgrader metadata.
    """
    student = copy.deepcopy(notebook)
    resources: dict = {}
    for preprocessor in _preprocessors():
        student, resources = preprocessor.preprocess(student, resources)
    # The saved widget state and execution times belong to the cleared outputs.
    student.metadata.pop("widgets", None)
    for cell in student.cells:
        cell.metadata.pop("execution", None)
    return student


def write_student_versions(outdir: pathlib.Path | str, folder: pathlib.Path | str = NOTEBOOKS) -> list[pathlib.Path]:
    """Write a student version of every notebook ``NN_*.ipynb`` of ``folder`` into ``outdir``
    (created if needed), under the same names; returns the paths written."""
    outdir = pathlib.Path(outdir)
    folder = pathlib.Path(folder)
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no notebooks NN_*.ipynb in {folder}")
    if outdir.resolve() == folder.resolve():
        raise ValueError("write the student versions to another folder, not over the notebooks")
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        student = student_version(nbformat.read(path, as_version=4))
        target = outdir / path.name
        nbformat.write(student, target)
        written.append(target)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nalu_lib.classroom", description="Student versions of the notebooks, for teachers."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("student-versions", help="write a student version of every notebook")
    make.add_argument("outdir", type=pathlib.Path, help="the folder to write them to")
    make.add_argument("--notebooks", type=pathlib.Path, default=NOTEBOOKS, help="where the notebooks are")
    listing = commands.add_parser("exercises", help="list every notebook's exercises and points")
    listing.add_argument("--notebooks", type=pathlib.Path, default=NOTEBOOKS, help="where the notebooks are")
    args = parser.parse_args(argv)
    if args.command == "student-versions":
        for path in write_student_versions(args.outdir, args.notebooks):
            count = len(exercises(nbformat.read(path, as_version=4)))
            print(f"{path}  ({count} exercise{'s' if count != 1 else ''})")
        return 0
    for path in sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb")):
        for exercise in exercises(nbformat.read(path, as_version=4)):
            print(f"{path.name}  {exercise.grade_id:<16} {exercise.kind:<8} {exercise.points:g} point(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
