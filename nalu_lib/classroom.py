"""Student versions of the notebooks and a ready nbgrader course, for teachers: solutions
out, checks in, grades right.

Every notebook's exercises are marked the way nbgrader expects: a solution cell whose answer
lies between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, followed by a locked check cell of
``assert`` statements, and written answers in markdown cells marked as solutions. From the
repository's root::

    python -m nalu_lib.classroom course COURSE_DIR --assignment lab1=01,02 --assignment hw1=03,04,05
    python -m nalu_lib.classroom grades COURSE_DIR          # scores, with what awaits hand-grading
    python -m nalu_lib.classroom student-versions OUTDIR    # student notebooks only, no course
    python -m nalu_lib.classroom exercises                  # the exercises and their points

``course`` makes an nbgrader course folder: ``source/ASSIGNMENT/`` filled with the chosen
notebooks (their links to the public, solved notebooks removed, points set by
:func:`suggested_points`), an ``nbgrader_config.py`` whose execution timeout comes from the
measured cell times (:func:`grading_timeout`), the gradebook database, and, unless
``--no-generate``, the student versions in ``release/ASSIGNMENT/`` made by
``nbgrader generate_assignment``. Every command takes ``--notebooks DIR``, the folder of the
series' notebooks (default: the repository's ``notebooks/``, when nalu_lib runs from a clone).

A student version is made by nbgrader's own preprocessors, those that
``nbgrader generate_assignment`` runs, less the ones that need its gradebook database: each
solution region becomes ``raise NotImplementedError()``, each written answer "YOUR ANSWER
HERE", outputs are cleared, check cells are locked, and nbgrader validates the metadata. The
check cells are kept, so a student's check fails until the exercise is solved; none hides a
test, so a check that passes has judged the answer.

Taught on the start page (notebook 00), in the README and in TEACHING.md;
``tests/test_classroom.py`` runs the student versions and checks that their checks fail until
the solutions are put back, ``tests/test_course.py`` runs nbgrader's whole route on a course.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import importlib.util
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode

__all__ = [
    "BEGIN_SOLUTION",
    "DIFFICULTY_POINTS",
    "REPOSITORY",
    "Exercise",
    "check_repository",
    "difficulty",
    "exercise_difficulties",
    "exercises",
    "format_seconds",
    "grades",
    "grades_table",
    "grading_timeout",
    "heading_title",
    "load_run_times",
    "make_course",
    "notebooks_folder",
    "parse_assignment",
    "read_repository",
    "student_version",
    "suggested_points",
    "without_instructor_links",
    "write_student_versions",
]


#: A GitHub repository's ``owner/name``: the owner 1 to 39 letters, digits and hyphens, not at
#: either end; the name 1 to 100 letters, digits, dots, hyphens and underscores.
_REPOSITORY_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,39}(?<!-)/[A-Za-z0-9._-]{1,100}")
#: Where pyproject.toml names the repository (a clone), as ``[project.urls] Repository``.
PYPROJECT = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"


def check_repository(name: str, value) -> str:
    """``value`` if it is a GitHub repository's ``owner/name``, or a ValueError naming ``name``
    (the two parts of ``https://github.com/OWNER/NAME``: not a URL, not ``NAME.git``, not ``..``)."""
    if (
        not isinstance(value, str)
        or not _REPOSITORY_NAME.fullmatch(value)
        or value.split("/")[1] in {".", ".."}
        or value.lower().endswith(".git")
    ):
        raise ValueError(f"{name} must be a GitHub repository as OWNER/NAME, got {name}={value!r}")
    return value


def read_repository(pyproject: pathlib.Path | str = PYPROJECT) -> str:
    """``OWNER/NAME`` from ``[project.urls] Repository`` (``https://github.com/OWNER/NAME``) of
    ``pyproject``: the one place the repository is named (:data:`REPOSITORY`, the web book)."""
    urls = tomllib.loads(pathlib.Path(pyproject).read_text(encoding="utf-8"))["project"]["urls"]
    url = urls["Repository"]
    prefix = "https://github.com/"
    name = f"[project.urls] Repository in {pyproject}"
    if not url.startswith(prefix):
        raise ValueError(f"{name} must be {prefix}OWNER/NAME, got {url!r}")
    return check_repository(name, url.removeprefix(prefix).strip("/"))


def _repository() -> str:
    """``owner/name`` from pyproject.toml (a clone), else from the installed package's metadata."""
    if PYPROJECT.exists():
        return read_repository(PYPROJECT)
    urls = importlib.metadata.metadata("nalu_lib").get_all("Project-URL") or []
    url = next(entry.split(",", 1)[1].strip() for entry in urls if entry.startswith("Repository,"))
    return url.removeprefix("https://github.com/").strip("/")


#: The GitHub repository the Binder and Colab badges point at (pyproject.toml names it;
#: ``python tools/set_repository.py OWNER/NAME`` changes it everywhere).
REPOSITORY = _repository()
BRANCH = "main"
#: The repository's notebooks folder, the default wherever a notebooks folder is asked for. It
#: exists when nalu_lib runs from a clone (an editable install); after ``pip install git+...``
#: it does not, and the folder must be given.
NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
#: The measured run times, written by ``python tools/navigation.py measure`` into the notebooks folder.
RUN_TIMES_FILE = "run_times.json"
#: Points per exercise by the difficulty its notebook gives it: harder exercises and the open,
#: written ones weigh more (the rule of :func:`suggested_points`).
DIFFICULTY_POINTS = {"easy": 1, "medium": 2, "hard": 3, "open": 3, "written": 3}
#: Points for an exercise whose notebook gives no difficulty, by kind.
KIND_POINTS = {"code": 2, "written": 3}
#: The grading timeout is this many times the longest measured cell, rounded up to a minute.
TIMEOUT_MARGIN = 4
#: The grading timeout when no measurement exists (nbgrader's own default is 30 s).
FALLBACK_TIMEOUT = 600
#: What a teacher without nbgrader is told: the course and the student versions use it.
NEEDS_NBGRADER = "the teacher's commands need nbgrader: pip install nbgrader (or pip install -r requirements-dev.txt)"
#: The markers around a solution, as nbgrader's ``ClearSolutions`` expects them.
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


def notebooks_folder(folder: pathlib.Path | str | None = None, argument: str = "--notebooks") -> pathlib.Path:
    """The notebooks folder: ``folder``, or by default the repository's ``notebooks/``.

    Raises ``FileNotFoundError`` naming ``argument`` (the command-line option to suggest) when
    the folder holds no notebook ``NN_*.ipynb`` (after a non-editable install there is no
    default: the folder must be given). Every command's ``--notebooks DIR`` (README).
    """
    path = pathlib.Path(folder) if folder is not None else NOTEBOOKS
    if not any(path.glob("[0-9][0-9]_*.ipynb")):
        how = "" if folder is not None else " (nalu_lib is not running from a clone of the repository)"
        raise FileNotFoundError(
            f"no notebooks NN_*.ipynb in {path}{how}: give the folder of the series' notebooks with {argument} DIR"
        )
    return path


def format_seconds(seconds: float) -> str:
    """A run time as the tables show it: ``~35 s`` below a minute, else ``~1 min 40 s`` (to 5 s);
    the README's, the start page's (notebook 00) and TEACHING.md's tables."""
    if seconds < 59.5:
        return f"~{max(1, round(seconds))} s"
    minutes, rest = divmod(5 * round(seconds / 5), 60)
    return f"~{minutes} min" + (f" {rest} s" if rest else "")


def load_run_times(folder: pathlib.Path | str | None = None) -> dict:
    """The measurement ``python tools/navigation.py measure`` wrote into ``folder``, or ``{}``:
    ``machine``, ``date``, and ``notebooks`` by number (``"01"``), each with ``seconds``,
    ``longest_cell``, ``longest_cell_seconds`` and ``cell_seconds`` (by cell index). The run
    times of the start page (notebook 00) and the grading timeout come from it. A translated
    edition (``notebooks/zh``) has the English notebooks' code, and their run times: without a
    measurement of its own, a folder whose notebooks the folder above it also has uses that one's."""
    folder = notebooks_folder(folder)
    path = folder / RUN_TIMES_FILE
    if not path.exists():
        names = {p.name for p in folder.glob("[0-9][0-9]_*.ipynb")}
        if names and names <= {p.name for p in folder.parent.glob("[0-9][0-9]_*.ipynb")}:
            path = folder.parent / RUN_TIMES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def file_title(path: pathlib.Path) -> str:
    """``"02 the nac learns addition"`` from a notebook's file name: the navigation lines' links
    (every notebook's first cell)."""
    number, _, rest = path.stem.partition("_")
    return f"{number} {rest.replace('_', ' ')}"


def heading_title(cells: list[dict], path: pathlib.Path) -> str:
    """The title from a notebook's ``# NN · Title`` heading among ``cells``, else from its file
    name ``path``: the start page's table (notebook 00) and TEACHING.md."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        first_line = "".join(cell.get("source", "")).lstrip().split("\n", 1)[0]
        if first_line.startswith("# "):
            title = first_line[2:].strip()
            return title.split("·", 1)[1].strip() if "·" in title else title
    return file_title(path).split(" ", 1)[-1].capitalize()


@dataclass(frozen=True)
class Exercise:
    """One graded exercise of a notebook.

    Attributes:
        grade_id: nbgrader's id of the graded cell (the check cell, or the written answer).
        kind: ``"code"`` (a solution cell and its check cell) or ``"written"`` (a markdown answer).
        points: The points nbgrader gives for it.
        check: Index of the graded cell: the check cell, or the written answer.
        solutions: Indices of the solution cells the check tests (empty for a written answer).

    Every notebook from 01 on ends with such exercises (notebook 00 tells how they are marked).
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
    try:
        from nbgrader.preprocessors import (
            CheckCellMetadata,
            ClearHiddenTests,
            ClearMarkScheme,
            ClearOutput,
            ClearSolutions,
            ComputeChecksums,
            LockCells,
        )
    except ImportError:
        raise ImportError(NEEDS_NBGRADER) from None

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


_HOSTS = r"(?:mybinder\.org|colab\.research\.google\.com|github\.com/" + re.escape(REPOSITORY) + r")"
#: A badge (an image link) or a text link to the public notebooks (Binder, Colab, GitHub).
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\(https?://" + _HOSTS + r"[^)]*\)\s*")
_LINK = re.compile(r"\[([^\]]*)\]\(https?://" + _HOSTS + r"[^)]*\)")


#: The tag of a markdown cell about the public notebooks (how to open them on Binder or Colab),
#: which a student version leaves out: its links are what :func:`without_instructor_links` removes.
PUBLIC_LINKS_TAG = "public-links"


def without_instructor_links(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook`` whose markdown has no link to the public notebooks, whose solutions
    are one click away: cells tagged :data:`PUBLIC_LINKS_TAG` are left out, Binder and Colab
    badges are removed, other such links keep their text. Part of every student version
    (README, teachers' section)."""
    notebook = copy.deepcopy(notebook)
    notebook.cells = [c for c in notebook.cells if PUBLIC_LINKS_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            source = _LINK.sub(r"\1", _BADGE.sub("", cell.source))
            cell.source = source.rstrip() if source != cell.source else source
    return notebook


def exercise_difficulties(notebook: NotebookNode) -> dict[int, str]:
    """Exercise number -> difficulty, from the Exercises list (``1. *(easy)* ...``) every notebook
    from 01 on ends with."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for number, label in re.findall(r"^\s*(\d+)\.\s+\*\((\w+)\)\*", cell.source, flags=re.M):
                found.setdefault(int(number), label.lower())
    return found


def difficulty(exercise: Exercise, difficulties: dict[int, str]) -> str | None:
    """The difficulty ``difficulties`` (from :func:`exercise_difficulties`) gives ``exercise``,
    or None: the number in its grade id (``-ex2-``) picks it."""
    match = re.search(r"-ex(\d+)-", exercise.grade_id)
    return difficulties.get(int(match.group(1))) if match else None


def suggested_points(notebook: NotebookNode) -> dict[str, int]:
    """Points for each graded cell by the rule of TEACHING.md: :data:`DIFFICULTY_POINTS` of the
    difficulty the notebook's Exercises list gives the exercise (easy 1, medium 2, hard, open
    and written 3), or :data:`KIND_POINTS` when it gives none (code 2, written answer 3).
    TEACHING.md lists them."""
    difficulties = exercise_difficulties(notebook)
    points = {}
    for exercise in exercises(notebook):
        label = difficulty(exercise, difficulties)
        points[exercise.grade_id] = DIFFICULTY_POINTS.get(label, KIND_POINTS[exercise.kind])
    return points


def _with_points(notebook: NotebookNode, points: dict[str, float]) -> NotebookNode:
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        meta = _nbgrader(cell)
        if meta.get("grade") and meta.get("grade_id") in points:
            meta["points"] = points[meta["grade_id"]]
    return notebook


def student_version(notebook: NotebookNode) -> NotebookNode:
    """A student version of ``notebook`` (left unchanged): solutions replaced by stubs, outputs
    and execution counts cleared, check cells locked, as ``nbgrader generate_assignment`` does,
    and no link to the public notebooks (:func:`without_instructor_links`).

    Raises ``RuntimeError`` or nbgrader's ``ValidationError`` for a malformed solution region or
    nbgrader metadata. The ``student-versions`` command (notebook 00) writes them.
    """
    student = without_instructor_links(notebook)
    resources: dict = {}
    for preprocessor in _preprocessors():
        student, resources = preprocessor.preprocess(student, resources)
    # The saved widget state and execution times belong to the cleared outputs.
    student.metadata.pop("widgets", None)
    for cell in student.cells:
        cell.metadata.pop("execution", None)
    return student


def write_student_versions(outdir: pathlib.Path | str, folder: pathlib.Path | str | None = None) -> list[pathlib.Path]:
    """Write a student version of every notebook ``NN_*.ipynb`` of ``folder`` (default: the
    repository's notebooks) into ``outdir`` (created if needed), under the same names; returns
    the paths written. ``python -m nalu_lib.classroom student-versions OUTDIR``, which notebook
    00 shows."""
    outdir = pathlib.Path(outdir)
    folder = notebooks_folder(folder)
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
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


# --------------------------------------------------------------------------- an nbgrader course


def parse_assignment(text: str) -> tuple[str, list[str]]:
    """``"lab1=01,02"`` -> ``("lab1", ["01", "02"])``; a ValueError names what is wrong. The
    ``course`` command's ``--assignment`` (README, TEACHING.md)."""
    name, sep, numbers = text.partition("=")
    name = name.strip()
    if not sep or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"--assignment NAME=NN,NN: a name of letters, digits, _ and -, got {text!r}")
    found = [n.strip() for n in numbers.split(",") if n.strip()]
    if not found or not all(re.fullmatch(r"\d\d", n) for n in found):
        raise ValueError(f"--assignment {name}=NN,NN: two-digit notebook numbers, got {numbers!r}")
    return name, found


def grading_timeout(folder: pathlib.Path | str | None = None) -> int:
    """Seconds nbgrader may give one cell when it autogrades: :data:`TIMEOUT_MARGIN` times the
    longest cell measured by ``python tools/navigation.py measure``, rounded up to a whole
    minute (:data:`FALLBACK_TIMEOUT` without a measurement). nbgrader's default of 30 s stops the
    longest cells and silently grades their exercises 0. The ``course`` command writes it into
    ``nbgrader_config.py`` (README, TEACHING.md)."""
    measured = load_run_times(folder).get("notebooks", {})
    if not measured:
        return FALLBACK_TIMEOUT
    longest = max(entry["longest_cell_seconds"] for entry in measured.values())
    return max(120, 60 * math.ceil(TIMEOUT_MARGIN * longest / 60))


def _nbgrader_environment() -> dict[str, str]:
    """The environment for nbgrader: this Python's ``bin/`` first on ``PATH``, since nbgrader
    runs the ``alembic`` command it installs there when it creates a gradebook."""
    bin_dir = str(pathlib.Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def _config(course_id: str, timeout: int, folder: pathlib.Path) -> str:
    measured = load_run_times(folder)
    where = (
        f"The longest cell measured on {measured['machine']} ({measured['date']}) takes "
        f"{max(e['longest_cell_seconds'] for e in measured['notebooks'].values()):.0f} s"
        if measured.get("notebooks")
        else "No measurement was found (notebooks/run_times.json)"
    )
    return f"""# nbgrader's configuration for this course, written by `python -m nalu_lib.classroom course`.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = {course_id!r}

# Seconds one cell may run when nbgrader autogrades (or validates). nbgrader's default, 30 s,
# stops the series' longest cells, and their exercises are then graded 0 without any error.
# {where};
# this is {TIMEOUT_MARGIN} times that, rounded up to a minute. Re-measure on your grading machine with
# `python tools/navigation.py measure` and make the course again, or set a number here.
c.Execute.timeout = {timeout}
"""


def make_course(
    course_dir: pathlib.Path | str,
    assignments: dict[str, list[str]],
    folder: pathlib.Path | str | None = None,
    *,
    course_id: str = "nalu",
    points: str = "suggested",
    set_points: dict[str, float] | None = None,
    generate: bool = True,
    force: bool = False,
) -> dict[str, list[pathlib.Path]]:
    """Make a ready nbgrader course in ``course_dir`` from the series (the README's teachers'
    section and TEACHING.md show it).

    Copies each assignment's notebooks into ``source/NAME/`` without links to the public
    notebooks, writes ``nbgrader_config.py`` (course id, :func:`grading_timeout`), creates the
    gradebook with the assignments, and with ``generate`` runs ``nbgrader generate_assignment``
    for each, which writes the student versions to ``release/NAME/``. Returns the source
    notebooks written, by assignment.

    Args:
        course_dir: The course folder (created if needed).
        assignments: Assignment name -> notebook numbers (``{"lab1": ["01", "02"]}``).
        folder: The series' notebooks (default: the repository's).
        course_id: nbgrader's course id.
        points: ``"suggested"`` sets points by :func:`suggested_points`; ``"notebook"`` leaves
            them as the notebooks have them.
        set_points: Grade id -> points, on top of those.
        generate: Run ``nbgrader generate_assignment``.
        force: Replace existing ``source/NAME/`` folders.

    Raises ``ValueError`` for an unknown notebook number, an unknown grade id in ``set_points``,
    or an existing ``source/NAME/`` (unless ``force``); ``RuntimeError`` if nbgrader fails.
    """
    from nbgrader.api import Gradebook

    folder = notebooks_folder(folder)
    course_dir = pathlib.Path(course_dir).resolve()
    if points not in ("suggested", "notebook"):
        raise ValueError(f"points must be 'suggested' or 'notebook', got points={points!r}")
    if not assignments:
        raise ValueError("give at least one assignment, e.g. --assignment lab1=01,02")
    by_number = {p.name[:2]: p for p in folder.glob("[0-9][0-9]_*.ipynb")}
    for name, numbers in assignments.items():
        unknown = [n for n in numbers if n not in by_number]
        if unknown:
            raise ValueError(f"assignment {name}: no notebook {', '.join(unknown)} in {folder}")
        if (course_dir / "source" / name).exists() and not force:
            raise ValueError(f"{course_dir / 'source' / name} exists already: remove it or use --force")
    set_points = dict(set_points or {})
    chosen = [by_number[n] for numbers in assignments.values() for n in numbers]
    known = {e.grade_id for path in chosen for e in exercises(nbformat.read(path, as_version=4))}
    if set(set_points) - known:
        unknown = ", ".join(sorted(set(set_points) - known))
        raise ValueError(f"--set-points: no graded cell {unknown} in the assignments")

    written: dict[str, list[pathlib.Path]] = {}
    for name, numbers in assignments.items():
        source = course_dir / "source" / name
        if source.exists():
            shutil.rmtree(source)
        source.mkdir(parents=True)
        written[name] = []
        for number in numbers:
            notebook = without_instructor_links(nbformat.read(by_number[number], as_version=4))
            chosen_points = suggested_points(notebook) if points == "suggested" else {}
            notebook = _with_points(notebook, {**chosen_points, **set_points})
            target = source / by_number[number].name
            nbformat.write(notebook, target)
            written[name].append(target)
    config = _config(course_id, grading_timeout(folder), folder)
    (course_dir / "nbgrader_config.py").write_text(config, encoding="utf-8")

    # The gradebook, created here with alembic on PATH, so that `nbgrader ...` run without the
    # environment's bin/ on PATH later finds it made.
    saved_path = os.environ.get("PATH", "")
    os.environ["PATH"] = _nbgrader_environment()["PATH"]
    try:
        with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id=course_id) as gradebook:
            for name in assignments:
                gradebook.update_or_create_assignment(name)
    finally:
        os.environ["PATH"] = saved_path
    if generate:
        for name in assignments:
            run = subprocess.run(
                [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force"],
                cwd=course_dir,
                env=_nbgrader_environment(),
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{run.stdout}{run.stderr}")
    return written


@dataclass(frozen=True)
class Grade:
    """One graded cell of one submission, as :func:`grades` reports it (TEACHING.md).

    Attributes:
        student, assignment, notebook, grade_id: Where the grade belongs.
        score: The points given so far (the hand-given score where there is one).
        max_score: The points the cell is worth.
        needs_manual_grade: True while a written answer (or a failed autograde) waits for a
            teacher in formgrader; its score is 0 until then.
    """

    student: str
    assignment: str
    notebook: str
    grade_id: str
    score: float
    max_score: float
    needs_manual_grade: bool


def grades(course_dir: pathlib.Path | str, course_id: str = "nalu") -> list[Grade]:
    """Every graded cell of every submission in the gradebook of ``course_dir`` (course
    ``course_id``), with whether it still waits for hand-grading: what ``nbgrader export``'s
    totals do not show. The ``grades`` command (README, TEACHING.md)."""
    from nbgrader.api import Gradebook

    found = []
    with Gradebook(f"sqlite:///{pathlib.Path(course_dir).resolve() / 'gradebook.db'}", course_id=course_id) as gb:
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        found.append(
                            Grade(
                                submission.student.id,
                                assignment.name,
                                notebook.name,
                                grade.name,
                                float(grade.score),
                                float(grade.max_score),
                                bool(grade.needs_manual_grade),
                            )
                        )
    return sorted(found, key=lambda g: (g.assignment, g.student, g.notebook, g.grade_id))


def grades_table(found: list[Grade]) -> str:
    """:func:`grades` per student and assignment: points so far, the most possible, and the
    points still waiting for hand-grading, as the ``grades`` command prints it."""
    totals: dict[tuple[str, str], list[float]] = {}
    for grade in found:
        row = totals.setdefault((grade.assignment, grade.student), [0.0, 0.0, 0.0])
        row[0] += grade.score
        row[1] += grade.max_score
        row[2] += grade.max_score if grade.needs_manual_grade else 0.0
    lines = [f"{'assignment':<12} {'student':<12} {'score':>6} {'of':>5} {'to grade by hand':>17}"]
    for (assignment, student), (score, most, pending) in sorted(totals.items()):
        lines.append(f"{assignment:<12} {student:<12} {score:>6g} {most:>5g} {pending:>17g}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m nalu_lib.classroom {course,grades,student-versions,exercises}``
    (``argv`` defaults to ``sys.argv``); returns the exit status. The README, TEACHING.md and
    notebook 00 show it."""
    parser = argparse.ArgumentParser(
        prog="python -m nalu_lib.classroom",
        description="A ready nbgrader course, grades and student versions of the notebooks, for teachers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    course = commands.add_parser("course", help="make an nbgrader course: source/, nbgrader_config.py, release/")
    course.add_argument("course_dir", type=pathlib.Path, help="the course folder (created if needed)")
    course.add_argument(
        "--assignment", action="append", required=True, metavar="NAME=NN,NN", help="an assignment and its notebooks"
    )
    course.add_argument("--course-id", default="nalu", help="nbgrader's course id (default: nalu)")
    course.add_argument(
        "--points", choices=["suggested", "notebook"], default="suggested", help="weighting rule, or the notebooks' own"
    )
    course.add_argument("--set-points", action="append", default=[], metavar="GRADE_ID=POINTS", help="a cell's points")
    course.add_argument("--no-generate", action="store_true", help="do not run nbgrader generate_assignment")
    course.add_argument("--force", action="store_true", help="replace existing source/ASSIGNMENT folders")
    grading = commands.add_parser("grades", help="every student's score, with the points awaiting hand-grading")
    grading.add_argument("course_dir", type=pathlib.Path, help="the course folder")
    grading.add_argument("--course-id", default="nalu", help="nbgrader's course id (default: nalu)")
    make = commands.add_parser("student-versions", help="write a student version of every notebook")
    make.add_argument("outdir", type=pathlib.Path, help="the folder to write them to")
    listing = commands.add_parser("exercises", help="list every notebook's exercises and points")
    for sub in (course, make, listing):
        sub.add_argument("--notebooks", type=pathlib.Path, default=None, help="the series' notebooks folder")
    args = parser.parse_args(argv)
    if args.command != "exercises" and importlib.util.find_spec("nbgrader") is None:
        parser.exit(2, f"{parser.prog} {args.command}: {NEEDS_NBGRADER}\n")

    if args.command == "grades":
        print(grades_table(grades(args.course_dir, args.course_id)))
        return 0
    try:
        folder = notebooks_folder(args.notebooks)
    except FileNotFoundError as error:
        parser.error(str(error))
    if args.command == "course":
        try:
            assignments = dict(parse_assignment(text) for text in args.assignment)
            set_points = {}
            for text in args.set_points:
                grade_id, _, value = text.partition("=")
                set_points[grade_id] = float(value) if value else math.nan
                if not set_points[grade_id] >= 0:
                    raise ValueError(f"--set-points GRADE_ID=POINTS, POINTS a number >= 0, got {text!r}")
            written = make_course(
                args.course_dir,
                assignments,
                folder,
                course_id=args.course_id,
                points=args.points,
                set_points=set_points,
                generate=not args.no_generate,
                force=args.force,
            )
        except ValueError as error:
            parser.error(str(error))
        for name, paths in written.items():
            total = sum(e.points for p in paths for e in exercises(nbformat.read(p, as_version=4)))
            print(f"{name}: {', '.join(p.name for p in paths)} ({total:g} points)")
        released = "" if args.no_generate else " The student versions are in release/."
        timeout = grading_timeout(folder)
        print(f"Course ready in {args.course_dir.resolve()}, grading timeout {timeout} s per cell.{released}")
        return 0
    if args.command == "student-versions":
        for path in write_student_versions(args.outdir, folder):
            count = len(exercises(nbformat.read(path, as_version=4)))
            print(f"{path}  ({count} exercise{'s' if count != 1 else ''})")
        return 0
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        suggested = suggested_points(notebook)
        for exercise in exercises(notebook):
            rule = suggested.get(exercise.grade_id, exercise.points)
            print(
                f"{path.name}  {exercise.grade_id:<16} {exercise.kind:<8} {exercise.points:g} point(s), "
                f"suggested {rule:g}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
