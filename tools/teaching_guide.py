"""Rewrite the generated blocks of TEACHING.md from the notebooks and their run times::

    python tools/teaching_guide.py            # rewrite them
    python tools/teaching_guide.py --check    # exit 1 if any is out of date (a test does this)

The blocks are the learning objectives, the time table and the points table, each between
``<!-- generated: NAME ... -->`` and ``<!-- end of generated: NAME -->``. A maintainer's tool,
with its own requirements (``tools/requirements.txt``): it rewrites the repository's files. The
README's section for teachers and contributors describes it.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import re

import nbformat
from nbformat import NotebookNode

from nalu_lib.classroom import (
    difficulty,
    exercise_difficulties,
    exercises,
    format_seconds,
    heading_title,
    load_run_times,
    notebooks_folder,
    suggested_points,
)

#: Minutes a student needs per word of a notebook's prose: dense technical text with equations,
#: read carefully, at about 100 words a minute.
WORDS_PER_MINUTE = 100
#: Minutes a student needs for an exercise, by its difficulty.
EXERCISE_MINUTES = {"easy": 10, "medium": 20, "hard": 30, "open": 20, "written": 20}
#: The guide's generated blocks sit between these lines (``NAME`` is the block's name).
GENERATED = "<!-- generated: {name} (python tools/teaching_guide.py) -->"
GENERATED_END = "<!-- end of generated: {name} -->"


def objectives(notebook: NotebookNode) -> list[str]:
    """The bullets of a notebook's "What you will learn" section, one string each (a bullet's
    indented continuation lines joined to it; the first unindented paragraph ends the list):
    TEACHING.md's learning objectives."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown" or "What you will learn" not in cell.source:
            continue
        bullets: list[str] = []
        for line in cell.source.split("What you will learn", 1)[1].splitlines()[1:]:
            if line.startswith("- "):
                bullets.append(line[2:].strip())
            elif bullets and line.startswith((" ", "\t")) and line.strip():
                bullets[-1] += " " + line.strip()
            elif bullets and line.strip():
                break
        return bullets
    return []


def _prose_words(notebook: NotebookNode) -> int:
    return sum(len(re.findall(r"\w+", c.source)) for c in notebook.cells if c.cell_type == "markdown")


def student_minutes(notebook: NotebookNode, machine_seconds: float = 0.0) -> int:
    """An estimate of a student's working time on a notebook, in minutes, rounded up to 5: its
    prose at :data:`WORDS_PER_MINUTE`, its exercises by :data:`EXERCISE_MINUTES`, and the
    machine's run time ``machine_seconds``. TEACHING.md's time table shows it."""
    difficulties = exercise_difficulties(notebook)
    minutes = _prose_words(notebook) / WORDS_PER_MINUTE + machine_seconds / 60
    minutes += sum(EXERCISE_MINUTES.get(difficulty(e, difficulties) or "medium", 20) for e in exercises(notebook))
    return 5 * math.ceil(minutes / 5)


def guide_blocks(folder: pathlib.Path | str | None = None) -> dict[str, str]:
    """The generated blocks of TEACHING.md, by name: ``objectives``, ``times`` and ``points``,
    computed from the notebooks in ``folder`` and their measured run times."""
    folder = notebooks_folder(folder)
    measured = load_run_times(folder).get("notebooks", {})
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    notebooks = {p.name[:2]: (p, nbformat.read(p, as_version=4)) for p in paths}
    goals = []
    for number, (path, notebook) in notebooks.items():
        bullets = objectives(notebook)
        if bullets:
            title = heading_title(notebook.cells, path)
            goals.append(f"**{number} · [{title}](notebooks/{path.name})**\n")
            goals += [f"- {bullet}" for bullet in bullets]
            goals.append("")
    times = [
        "| # | Words of prose | Exercises | Machine run time | Autograding per student | Student working time |",
        "|---|---|---|---|---|---|",
    ]
    for number, (_path, notebook) in notebooks.items():
        seconds = measured.get(number, {}).get("seconds", 0.0)
        labels = [difficulty(e, exercise_difficulties(notebook)) or "unlabelled" for e in exercises(notebook)]
        listed = ", ".join(labels) or "\u2013"
        machine = format_seconds(seconds) if seconds else "\u2013"
        grading = format_seconds(seconds) if labels and seconds else "\u2013"
        times.append(
            f"| {number} | {_prose_words(notebook):,} | {listed} | {machine} | {grading} | "
            f"~{student_minutes(notebook, seconds)} min |"
        )
    points = [
        "| Notebook | Grade id | Kind | Difficulty | Points in the notebook | Suggested points |",
        "|---|---|---|---|---|---|",
    ]
    for number, (_path, notebook) in notebooks.items():
        difficulties = exercise_difficulties(notebook)
        suggested = suggested_points(notebook)
        for exercise in exercises(notebook):
            label = difficulty(exercise, difficulties) or "unlabelled"
            points.append(
                f"| {number} | `{exercise.grade_id}` | {exercise.kind} | {label} | {exercise.points:g} | "
                f"{suggested.get(exercise.grade_id, exercise.points):g} |"
            )
    return {"objectives": "\n".join(goals).rstrip(), "times": "\n".join(times), "points": "\n".join(points)}


def update_guide(guide: pathlib.Path | str, folder: pathlib.Path | str | None = None, check: bool = False) -> bool:
    """Rewrite (or with ``check``, only compare) the generated blocks of the teacher's guide
    ``guide`` (TEACHING.md) from the notebooks in ``folder``; True if any is (or was) out of
    date. Raises ``ValueError`` if a block's marker lines are missing."""
    guide = pathlib.Path(guide)
    text = guide.read_text(encoding="utf-8")
    new = text
    for name, block in guide_blocks(folder).items():
        start, end = GENERATED.format(name=name), GENERATED_END.format(name=name)
        if start not in new or end not in new:
            raise ValueError(f"{guide}: no lines {start!r} ... {end!r} around the {name} block")
        before, rest = new.split(start, 1)
        after = rest.split(end, 1)[1]
        new = f"{before}{start}\n{block}\n{end}{after}"
    if new != text and not check:
        guide.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python tools/teaching_guide.py [--check] [--guide FILE] [--notebooks DIR]``
    (``argv`` defaults to ``sys.argv``); returns the exit status (README)."""
    parser = argparse.ArgumentParser(prog="python tools/teaching_guide.py", description=__doc__.split("::")[0])
    parser.add_argument("--guide", type=pathlib.Path, default=None, help="the guide (default: TEACHING.md beside it)")
    parser.add_argument("--check", action="store_true", help="only say whether it is out of date (exit 1)")
    parser.add_argument("--notebooks", type=pathlib.Path, default=None, help="the series' notebooks folder")
    args = parser.parse_args(argv)
    try:
        folder = notebooks_folder(args.notebooks)
    except FileNotFoundError as error:
        parser.error(str(error))
    path = args.guide or folder.resolve().parent / "TEACHING.md"
    changed = update_guide(path, folder, check=args.check)
    print(("out of date: " if args.check else "updated: ") + str(path) if changed else f"up to date: {path}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
