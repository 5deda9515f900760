"""nbgrader's whole route on a course made by ``python -m nalu_lib.classroom course``: three
simulated students submit notebook 06, nbgrader autogrades and exports, and every score is
checked exactly, with no cell timed out and no checksum warning.

The students (points by the weighting rule: exercise 1 easy, 1 point; exercise 2 medium, 2;
exercise 3 open and written, 3, graded by hand):

=======  ==========================================  =====  =====  =====  ====  ===========
student  what they hand in                           ex1    ex2    ex3    auto  after hand
=======  ==========================================  =====  =====  =====  ====  ===========
alice    the model solutions                         1/1    2/2    hand   3/6   6/6 (ex3 3)
bob      a wrong ex1, ex2 and ex3 unanswered         0/1    0/2    0/3    0/6   0/6
carol    right in other forms (a tuple, np.int64)    1/1    2/2    hand   3/6   5/6 (ex3 2)
=======  ==========================================  =====  =====  =====  ====  ===========

Notebook 06 is the smallest assignment with all three kinds of exercise (about 30 s per student).
"""

import csv
import json
import os
import pathlib
import subprocess
import sys

import nbformat
import pytest

from nalu_lib import classroom
from tools import navigation, teaching_guide

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = "06_playground.ipynb"
SOLVED = nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4)

#: What each student writes into the solution cells, by grade id (missing: left unanswered).
ANSWERS = {
    "alice": {
        "06-ex1-solution": None,  # None: the instructor's solution
        "06-ex2-solution": None,
        "06-ex3-answer": None,
    },
    "bob": {"06-ex1-solution": 'dividers = ["NALU", "NMU"]\ndividers'},
    "carol": {
        "06-ex1-solution": 'dividers = ("NALU", "iNALU")\ndividers',
        "06-ex2-solution": "import numpy as np\n\nenough_steps = np.arange(100, 2001, 100)[5]\nenough_steps",
        "06-ex3-answer": "The log loses the sign, so a NALU gives |x1 x2|; the NMU multiplies with signs.",
    },
}
#: The autograded scores, by student and grade id, and whether a teacher must still grade it.
EXPECTED = {
    "alice": {"06-ex1-check": (1, False), "06-ex2-check": (2, False), "06-ex3-answer": (0, True)},
    "bob": {"06-ex1-check": (0, False), "06-ex2-check": (0, False), "06-ex3-answer": (0, False)},
    "carol": {"06-ex1-check": (1, False), "06-ex2-check": (2, False), "06-ex3-answer": (0, True)},
}
#: What the teacher gives the written answers by hand, and the totals exported afterwards.
BY_HAND = {"alice": 3, "carol": 2}
FINAL = {"alice": 6, "bob": 0, "carol": 5}
MAX_SCORE = 6


def _without_markers(source: str) -> str:
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    lines = [line for line in source.splitlines() if not any(marker in line for marker in markers)]
    return "\n".join(lines)


def _submit(course: pathlib.Path, student: str, answers: dict) -> None:
    released = nbformat.read(course / "release" / "play" / NOTEBOOK, as_version=4)
    solved = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in SOLVED.cells}
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            answer = answers[grade_id]
            cell.source = _without_markers(solved[grade_id].source) if answer is None else answer
    target = course / "submitted" / student / "play"
    target.mkdir(parents=True)
    nbformat.write(released, target / NOTEBOOK)
    (target / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC")


def _nbgrader(course: pathlib.Path, *args: str) -> str:
    """Run nbgrader as a teacher would, without this environment's bin/ on PATH."""
    env = {**os.environ, "PATH": os.pathsep.join(["/usr/bin", "/bin"])}
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=900
    )
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    return log


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> pathlib.Path:
    course = tmp_path_factory.mktemp("course")
    env = {**os.environ, "PATH": os.pathsep.join(["/usr/bin", "/bin"])}
    made = subprocess.run(
        [sys.executable, "-m", "nalu_lib.classroom", "course", str(course), "--assignment", "play=06"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    return course


def test_the_course_is_ready_and_its_timeout_covers_the_measured_cells(course):
    config = (course / "nbgrader_config.py").read_text()
    assert f"c.Execute.timeout = {classroom.grading_timeout()}" in config
    assert classroom.grading_timeout() >= 2 * 60, "nbgrader's 30 s default stops the series' long cells"
    source = nbformat.read(course / "source" / "play" / NOTEBOOK, as_version=4)
    points = {e.grade_id: e.points for e in classroom.exercises(source)}
    assert points == {"06-ex1-check": 1, "06-ex2-check": 2, "06-ex3-answer": 3}
    released = (course / "release" / "play" / NOTEBOOK).read_text()
    for link in ("mybinder.org", "colab.research.google.com", "BEGIN SOLUTION", "HIDDEN TESTS"):
        assert link not in released, f"the student version holds {link!r}"


def test_nbgrader_autogrades_and_exports_every_score_exactly(course):
    from nbgrader.api import Gradebook

    for student, answers in ANSWERS.items():
        _submit(course, student, answers)
    log = _nbgrader(course, "autograde", "play")
    for trouble in ("Timeout", "timed out", "Checksum", "has changed", "Traceback (most recent call last)"):
        assert trouble.lower() not in log.lower(), f"autograde's log mentions {trouble!r}:\n{log}"

    found = classroom.grades(course)
    got = {(g.student, g.grade_id): (g.score, g.needs_manual_grade) for g in found}
    want = {(s, gid): expected for s, by_id in EXPECTED.items() for gid, expected in by_id.items()}
    assert got == want, classroom.grades_table(found)
    assert "to grade by hand" in classroom.grades_table(found)

    # The teacher grades the written answers by hand (formgrader does this), then exports.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="nalu") as gradebook:
        for student, points in BY_HAND.items():
            grade = gradebook.find_grade("06-ex3-answer", "06_playground", "play", student)
            grade.manual_score = points
        gradebook.db.commit()
    _nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert {s: float(rows[s]["score"]) for s in rows} == FINAL
    assert {float(rows[s]["max_score"]) for s in rows} == {MAX_SCORE}


# --------------------------------------------------------------------------- fast checks, no nbgrader run


def test_the_teachers_guide_is_current():
    assert not teaching_guide.update_guide(ROOT / "TEACHING.md", check=True), "run `python tools/teaching_guide.py`"
    guide = (ROOT / "TEACHING.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("0[1-6]_*.ipynb")):
        bullets = teaching_guide.objectives(nbformat.read(path, as_version=4))
        assert 3 <= len(bullets) <= 6, f"{path.name}: {len(bullets)} objectives found"
        for bullet in bullets:
            assert len(bullet) < 300 and "NBVAL" not in bullet, f"{path.name}: not one objective: {bullet}"
            assert bullet in guide, f"{path.name}: objective missing from TEACHING.md: {bullet[:60]}"
    assert "(TEACHING.md)" in (ROOT / "README.md").read_text(), "the README links the teacher's guide"


def test_the_readme_run_times_are_the_committed_measurement():
    measurement = classroom.load_run_times()
    readme = (ROOT / "README.md").read_text()
    assert navigation.readme_with_run_times(readme, measurement) == readme, "run `python tools/navigation.py`"
    for number, entry in measurement["notebooks"].items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| {number} | [") and "notebooks/" in line)
        assert row.endswith(f"| {classroom.format_seconds(entry['seconds'])} |"), row
    assert set(measurement["notebooks"]) == {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}


@pytest.mark.parametrize(
    ("seconds", "text"), [(7.0, "~7 s"), (59.4, "~59 s"), (68.1, "~1 min 10 s"), (147.2, "~2 min 25 s")]
)
def test_run_times_are_formatted_as_the_tables_show_them(seconds, text):
    assert classroom.format_seconds(seconds) == text


def _fake_series(folder: pathlib.Path, longest: float) -> pathlib.Path:
    nbformat.write(nbformat.v4.new_notebook(), folder / "01_fake.ipynb")
    entry = {"seconds": longest + 5, "longest_cell": 3, "longest_cell_seconds": longest, "cell_seconds": {}}
    measurement = {"machine": "test", "date": "today", "notebooks": {"01": entry}}
    (folder / classroom.RUN_TIMES_FILE).write_text(json.dumps(measurement))
    return folder


@pytest.mark.parametrize(("longest", "timeout"), [(83.0, 360), (34.0, 180), (5.0, 120), (129.1, 540)])
def test_grading_timeout_is_four_times_the_longest_measured_cell(tmp_path, longest, timeout):
    assert classroom.grading_timeout(_fake_series(tmp_path, longest)) == timeout


def test_grading_timeout_without_a_measurement_is_generous(tmp_path):
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "01_fake.ipynb")
    assert classroom.grading_timeout(tmp_path) == classroom.FALLBACK_TIMEOUT > 30


def test_a_missing_notebooks_folder_names_the_argument(tmp_path, capsys):
    with pytest.raises(SystemExit):
        classroom.main(["exercises", "--notebooks", str(tmp_path)])
    assert "--notebooks DIR" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        navigation.main(["--check", "--notebooks", str(tmp_path)])
    assert "--notebooks DIR" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="--notebooks DIR"):
        classroom.write_student_versions(tmp_path / "out", tmp_path)


@pytest.mark.parametrize(
    ("text", "words"),
    [("lab1", "NAME=NN"), ("lab 1=01", "NAME=NN"), ("lab1=1,2", "two-digit"), ("lab1=", "two-digit")],
)
def test_bad_assignments_are_refused(text, words):
    with pytest.raises(ValueError, match=words):
        classroom.parse_assignment(text)


def test_parse_assignment_reads_names_and_numbers():
    assert classroom.parse_assignment("hw1=03, 04,05") == ("hw1", ["03", "04", "05"])


def test_make_course_refuses_unknown_notebooks_and_grade_ids(tmp_path):
    with pytest.raises(ValueError, match="no notebook 42"):
        classroom.make_course(tmp_path, {"lab1": ["01", "42"]}, generate=False)
    with pytest.raises(ValueError, match="no graded cell 01-ex9-check"):
        classroom.make_course(tmp_path, {"lab1": ["01"]}, set_points={"01-ex9-check": 2}, generate=False)


def test_make_course_sets_points_by_the_rule_and_overrides(tmp_path):
    classroom.make_course(tmp_path, {"lab": ["03", "06"]}, set_points={"06-ex2-check": 5}, generate=False)
    got = {}
    for path in sorted((tmp_path / "source" / "lab").glob("*.ipynb")):
        got.update({e.grade_id: e.points for e in classroom.exercises(nbformat.read(path, as_version=4))})
    assert got == {
        "03-ex1-check": 2,  # no difficulty given: code 2
        "03-ex2-check": 2,
        "03-ex3-answer": 3,  # a written answer: 3
        "06-ex1-check": 1,  # easy
        "06-ex2-check": 5,  # set by hand
        "06-ex3-answer": 3,  # open
    }
    assert "c.Execute.timeout = " in (tmp_path / "nbgrader_config.py").read_text()
    assert (tmp_path / "gradebook.db").exists()
    with pytest.raises(ValueError, match="exists already"):
        classroom.make_course(tmp_path, {"lab": ["06"]}, generate=False)


def test_a_course_from_the_chinese_edition(tmp_path):
    # the same exercises and checks, the Chinese prose, and the English notebooks' grading timeout
    zh = ROOT / "notebooks" / "zh"
    made = classroom.make_course(tmp_path, {"lab1": ["01"]}, zh, generate=True)
    released = nbformat.read(tmp_path / "release" / "lab1" / made["lab1"][0].name, as_version=4)
    text = "".join(c.source for c in released.cells if c.cell_type == "markdown")
    assert "外推" in text and "BEGIN SOLUTION" not in "".join(c.source for c in released.cells)
    english = nbformat.read(ROOT / "notebooks" / made["lab1"][0].name, as_version=4)
    grade_ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in released.cells]
    assert grade_ids == [c.metadata.get("nbgrader", {}).get("grade_id") for c in english.cells]
    assert classroom.grading_timeout(zh) == classroom.grading_timeout() != classroom.FALLBACK_TIMEOUT
    config = (tmp_path / "nbgrader_config.py").read_text(encoding="utf-8")
    assert f"c.Execute.timeout = {classroom.grading_timeout()}" in config
