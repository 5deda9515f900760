"""Gradable exercises: the student versions hold no solutions, their checks fail until the
exercises are solved, and the instructor's solutions pass the same checks.

The slow part runs each student notebook once, top to bottom, in a real kernel (nbclient,
errors allowed), then puts the instructor's solutions back into that same kernel and runs the
checks again: one execution per notebook proves both halves.
"""

import copy
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

from nalu_lib import classroom

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WITH_EXERCISES = [p for p in NOTEBOOKS if classroom.exercises(nbformat.read(p, as_version=4))]
#: The core notebooks, which must come with exercises.
CORE = ("01", "02", "03")


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory) -> pathlib.Path:
    """Student versions of every notebook, written by the documented command."""
    outdir = tmp_path_factory.mktemp("students")
    assert classroom.main(["student-versions", str(outdir)]) == 0
    return outdir


def _read(path: pathlib.Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _solution_regions(source: str) -> list[str]:
    regions, inside = [], None
    for line in source.splitlines():
        if classroom.BEGIN_SOLUTION in line:
            inside = []
        elif classroom.END_SOLUTION in line and inside is not None:
            regions.append("\n".join(inside))
            inside = None
        elif inside is not None:
            inside.append(line)
    return regions


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


# --------------------------------------------------------------------------- the student versions


def test_the_command_writes_a_student_version_of_every_notebook(student_dir):
    assert sorted(p.name for p in student_dir.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


def test_core_notebooks_have_exercises_with_checks():
    names = {p.name[:2] for p in WITH_EXERCISES}
    assert set(CORE) <= names
    for path in WITH_EXERCISES:
        found = classroom.exercises(_read(path))
        assert any(e.kind == "code" and e.solutions for e in found), f"{path.name}: no checked code exercise"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_version_holds_no_solution(path, student_dir):
    teacher, student = _read(path), _read(student_dir / path.name)
    # the cells about the public notebooks are left out, and only they
    kept = [cell for cell in teacher.cells if classroom.PUBLIC_LINKS_TAG not in cell.metadata.get("tags", [])]
    assert [cell.get("id") for cell in student.cells] == [cell.get("id") for cell in kept]
    teacher.cells = kept
    student_text = "\n".join(cell.source for cell in student.cells)
    assert "BEGIN SOLUTION" not in student_text and "END SOLUTION" not in student_text
    assert "BEGIN HIDDEN TESTS" not in student_text
    for index, (before, after) in enumerate(zip(teacher.cells, student.cells, strict=True)):
        meta = before.metadata.get("nbgrader", {})
        if after.cell_type == "code":
            assert after.outputs == [] and after.execution_count is None, f"cell {index} keeps its output"
        for region in _solution_regions(before.source):
            assert region.strip() not in student_text, f"cell {index}: the solution is still there"
            for line in region.splitlines():
                if len(line.strip()) >= 12:
                    assert line.strip() not in after.source, f"cell {index} keeps a solution line: {line!r}"
        if meta.get("solution") and before.cell_type == "markdown":
            assert after.source == "YOUR ANSWER HERE", f"cell {index}: the written answer is still there"
        if meta.get("solution") and before.cell_type == "code":
            assert "raise NotImplementedError()" in after.source
        if meta.get("grade") and not meta.get("solution"):
            assert after.metadata.get("editable") is False, f"check cell {index} is not locked"
            if "BEGIN HIDDEN TESTS" not in before.source:
                assert after.source == before.source, f"check cell {index} changed"
    assert "widgets" not in student.metadata
    for link in ("mybinder.org", "colab.research.google.com", f"github.com/{classroom.REPOSITORY}/blob"):
        assert link not in student_text, f"{path.name}: the student version links to the solved notebooks ({link})"


def test_no_check_relies_on_a_hidden_test():
    """A visible check that passed while a hidden test failed would tell a student "correct" for
    a wrong answer: no notebook hides tests."""
    for path in NOTEBOOKS:
        for cell in _read(path).cells:
            assert "BEGIN HIDDEN TESTS" not in cell.source, f"{path.name}: a hidden test"


def test_instructor_links_are_removed_and_other_links_kept():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            "[Start page](00_start_here.ipynb)\n\n[![Binder](https://mybinder.org/badge_logo.svg)]"
            "(https://mybinder.org/v2/gh/x) [![Open In Colab](https://colab.research.google.com/assets/b.svg)]"
            "(https://colab.research.google.com/github/x)"
        ),
        nbformat.v4.new_markdown_cell(
            "See [the paper](https://arxiv.org/abs/1808.00508) or [Colab](https://colab.research.google.com/github/y)."
        ),
    ]
    cleaned = classroom.without_instructor_links(notebook)
    assert cleaned.cells[0].source == "[Start page](00_start_here.ipynb)"
    assert cleaned.cells[1].source == "See [the paper](https://arxiv.org/abs/1808.00508) or Colab."
    assert "mybinder" in notebook.cells[0].source, "the notebook given is left unchanged"


def test_student_versions_match_nbgrader_generate_assignment(tmp_path, student_dir):
    """The same cells as nbgrader's own ``generate_assignment`` releases, database and all."""
    bin_dir = pathlib.Path(sys.executable).parent
    if shutil.which("nbgrader", path=str(bin_dir)) is None:
        pytest.skip("the nbgrader command is not installed next to this Python")
    source = tmp_path / "source" / "nalu"
    source.mkdir(parents=True)
    for path in NOTEBOOKS:  # as the course command puts them into source/
        nbformat.write(classroom.without_instructor_links(_read(path)), source / path.name)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader runs alembic
    run = subprocess.run(
        [str(bin_dir / "nbgrader"), "generate_assignment", "nalu", f"--CourseDirectory.root={tmp_path}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for path in NOTEBOOKS:
        released, ours = _read(tmp_path / "release" / "nalu" / path.name), _read(student_dir / path.name)

        def shape(nb):
            keys = ("nbgrader", "editable", "deletable")
            return [(c.cell_type, c.source, {k: c.metadata.get(k) for k in keys}) for c in nb.cells]

        assert shape(ours) == shape(released), path.name


# --------------------------------------------------------------------------- running them


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=[p.name for p in WITH_EXERCISES])
def test_checks_fail_until_solved_and_pass_with_the_solutions(path, student_dir):
    from nbclient import NotebookClient

    teacher = _read(path)
    student = _read(student_dir / path.name)
    found = classroom.exercises(teacher)
    code_exercises = [e for e in found if e.kind == "code"]
    expected_to_fail = {e.check for e in code_exercises} | {i for e in code_exercises for i in e.solutions}
    client = NotebookClient(
        student,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(student_dir)}},
    )
    with client.setup_kernel():
        # 1. The student version, top to bottom: every solution cell raises NotImplementedError,
        #    every check fails, and nothing else does.
        for index, cell in enumerate(student.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        failed = {i for i, cell in enumerate(student.cells) if cell.cell_type == "code" and _errors(cell)}
        unexpected = {i: _errors(student.cells[i])[0].get("ename") for i in failed - expected_to_fail}
        assert not unexpected, f"cells that fail in the student version although no exercise is there: {unexpected}"
        for exercise in code_exercises:
            assert exercise.check in failed, f"{exercise.grade_id} passes before the exercise is solved"
            for index in exercise.solutions:
                assert _errors(student.cells[index])[0]["ename"] == "NotImplementedError"

        # 2. The instructor's solutions, put back in the same kernel: every check passes.
        for exercise in code_exercises:
            for index in (*exercise.solutions, exercise.check):
                cell = copy.deepcopy(teacher.cells[index])
                cell.outputs = []
                client.execute_cell(cell, index)
                errors = _errors(cell)
                assert not errors, (
                    f"{exercise.grade_id}: the solution fails its check in cell {index}: "
                    f"{errors[0]['ename']}: {errors[0]['evalue']}"
                )


def test_without_nbgrader_the_teachers_commands_say_what_to_install(tmp_path):
    # nbgrader made unimportable in a new process: the student-versions command says what to install
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['nbgrader'] = None\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "nalu_lib.classroom", "student-versions", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert (
        done.stderr.strip().splitlines()[-1].endswith("pip install nbgrader (or pip install -r requirements-dev.txt)")
    )


def test_the_start_pages_student_version_says_nothing_about_links_it_does_not_have():
    student = classroom.without_instructor_links(_read(ROOT / "notebooks" / "00_start_here.ipynb"))
    text = "\n".join(cell.source for cell in student.cells if cell.cell_type == "markdown")
    assert "Run it in your browser" not in text and "badge" not in text.lower()
    assert "installed:\n  ." not in text and "Starting takes" not in text
