"""Write the navigation line at the top of every notebook: previous, index, next, and the
Binder and Colab badges; the table of notebooks on the start page (notebook 00); and the run
times in the README's table of notebooks. Run it after adding or renaming a notebook, or after
re-measuring run times::

    python tools/navigation.py            # rewrite the lines and the tables
    python tools/navigation.py --check    # exit 1 if any is out of date (a test does this)
    python tools/navigation.py measure    # run every notebook, write notebooks/run_times.json
                                             # and the tables

The line is the notebook's first cell, a markdown cell tagged ``navigation``; the table is the
start page's markdown cell tagged ``series-table``, built from the notebooks that exist, with
:data:`SUMMARIES` and the measured run times. Only those cells are touched, so execution counts
and outputs stay as committed.

Run times are measured, never typed in: ``measure`` runs each notebook top to bottom in a fresh
kernel, times it and each of its cells, and writes :data:`RUN_TIMES_FILE` into the notebooks
folder. The tables and the grading timeout of :mod:`nalu_lib.classroom` are computed from it.
Every command takes ``--notebooks DIR``; its default is the repository's ``notebooks/`` folder.
A maintainer's tool, with its own requirements (``tools/requirements.txt``): it rewrites the
repository's files. The README's section for teachers and contributors describes it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import time
from dataclasses import dataclass

from nalu_lib.classroom import (
    BRANCH,
    REPOSITORY,
    RUN_TIMES_FILE,
    file_title,
    format_seconds,
    heading_title,
    load_run_times,
    notebooks_folder,
)

TAG = "navigation"
#: The tag of the start page's cell that holds the table of notebooks.
TABLE_TAG = "series-table"


def _run_time(measurement: dict, number: str) -> str:
    entry = measurement.get("notebooks", {}).get(number)
    return format_seconds(entry["seconds"]) if entry else "\u2013"


def _cell_seconds(cell) -> float:
    """A cell's run time from the timestamps nbclient records in its metadata."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = datetime.datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def measure(folder: pathlib.Path | str | None = None, only: list[str] | None = None, save: bool = False) -> dict:
    """Run the notebooks of ``folder`` (all, or those whose number is in ``only``) top to bottom,
    each in a fresh kernel as nbval and nbgrader do; write and return the measurement
    (:data:`RUN_TIMES_FILE` in ``folder``; entries of notebooks not run are kept).

    The notebooks themselves are not changed, unless ``save`` (then each is written back executed,
    as ``jupyter nbconvert --execute --inplace`` would, so one run gives outputs and times).
    Each entry holds the notebook's wall time (kernel start included), its longest cell and
    every code cell's seconds. ``python tools/navigation.py measure``; the run times on the start
    page (notebook 00) and in the README come from it.
    """
    import nbformat
    from nbclient import NotebookClient

    folder = notebooks_folder(folder)
    results = dict(load_run_times(folder).get("notebooks", {})) if only else {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        number = path.name[:2]
        if only and number not in only:
            continue
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        started = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - started
        if save:
            nbformat.write(notebook, path)
        cells = {str(i): round(_cell_seconds(c), 1) for i, c in enumerate(notebook.cells) if c.cell_type == "code"}
        longest = max(cells, key=lambda i: cells[i])
        results[number] = {
            "notebook": path.name,
            "seconds": round(seconds, 1),
            "longest_cell": int(longest),
            "longest_cell_seconds": cells[longest],
            "cell_seconds": cells,
        }
        print(f"{path.name}: {seconds:.1f} s, longest cell {longest}: {cells[longest]:.1f} s", flush=True)
    measurement = {
        "machine": f"{platform.system()} {platform.machine()}, {_cpus()} CPU cores, Python {platform.python_version()}",
        "date": datetime.date.today().isoformat(),
        "notebooks": dict(sorted(results.items())),
    }
    (folder / RUN_TIMES_FILE).write_text(json.dumps(measurement, indent=1) + "\n", encoding="utf-8")
    return measurement


def run_time_note(measurement: dict, edition: Edition | None = None) -> str:
    """The footnote under the tables of run times (README, notebook 00), in the language of
    ``edition`` (English by default): where and when ``measurement`` was taken."""
    where = measurement.get("machine", "an unknown machine")
    when = measurement.get("date", "an unknown date")
    return (edition or EDITIONS[0]).note.format(where=where, when=when)


_README_ROW = re.compile(r"^(\| (\d\d) \| \[[^\]]*\]\(notebooks/[^)]*\) \|.*\| )([^|]*)( \|)$")


def readme_with_run_times(text: str, measurement: dict) -> str:
    """The README's ``text`` with the run-time column of its table of notebooks and the footnote
    under it (the line starting ``\\* top to bottom``) written from ``measurement``."""
    lines = []
    for line in text.split("\n"):
        row = _README_ROW.match(line)
        if row:
            line = row.group(1) + _run_time(measurement, row.group(2)) + row.group(4)
        elif line.startswith("\\* ") and ("measured" in line):
            line = run_time_note(measurement)
        lines.append(line)
    return "\n".join(lines)


#: One line per notebook for the start page's table.
SUMMARIES = {
    "01": "Ordinary networks fit $f(x) = x$ on $[-5, 5]$ and fail beyond it, whatever their activation; "
    "a NAC does not.",
    "02": "The neural accumulator: its weights, the article's addition experiment, and true extrapolation.",
    "03": "The NALU: a NAC in log space and a gate, learning multiplication and division far beyond "
    "the training range.",
    "04": "The paper's arithmetic benchmark (100 inputs, six operations) over many seeds: scaled errors and "
    "success rates beside the published ones.",
    "05": "Where the NALU breaks (signs, zeros, seeds), and the units that fix it, the NAU and NMU.",
    "06": "Pick an operation, a unit and the settings, press Train, and watch it learn and extrapolate (or not).",
    "07": "A recurrent NAC and NALU trained on sequences of 10 steps and tested on 100 and 1000, beside an LSTM: "
    "exact running sums, and a gate that flips.",
    "08": "Handwritten digits read by a small CNN and counted and summed by a recurrent NAC over 10, 100 and 1000 "
    "digits, beside an LSTM; the CNN's mistakes, not the NAC, limit the sums.",
    "09": "Number words to numbers in English and Chinese: an LSTM with a linear, NAC or NALU output layer, "
    "tested on 631 numbers it never saw.",
    "10": "The NPU, RealNPU and iNALU, each in a few lines of numpy, beside the NALU and NMU on signs, zeros, "
    "division and a square root over many seeds; a headline result of each paper beside the published one.",
}

#: Titles of notebooks that are planned but not written yet: the table lists them as coming
#: (for example ``{"07": "Recurrent NALUs"}``).
PLANNED: dict[str, str] = {}

#: The start page's table in Chinese (notebooks/zh/): the same lines, the same numbers.
SUMMARIES_ZH = {
    "01": "普通网络在 $[-5, 5]$ 上拟合 $f(x) = x$，超出这个范围就失败，无论用哪种激活函数；神经累加器（NAC）不会。",
    "02": "神经累加器：它的权重、原文的加法实验，以及真正的外推。",
    "03": "神经算术逻辑单元（NALU）：对数空间里的 NAC 加上一个门，在远超训练范围的地方学会乘法和除法。",
    "04": "论文的算术基准测试（100 个输入、六种运算），跑许多个随机种子：缩放误差和成功率，与发表的结果并列。",
    "05": "NALU 在哪里失效（符号、零、种子），以及修复它的单元：NAU 和 NMU。",
    "06": "选一种运算、一个单元和设置，按下 Train，看它学习与外推（或者失败）。",
    "07": "循环 NAC 和 NALU 在 10 步的序列上训练，在 100 步和 1000 步上测试，与 LSTM 并列："
    "精确的累加和，以及一个会翻转的门。",
    "08": "小型卷积神经网络读取手写数字，循环 NAC 对 10、100 和 1000 个数字计数与求和，与 LSTM 并列；"
    "限制求和精度的是 CNN 的错误，而不是 NAC。",
    "09": "英文和中文的数字词转换为数字：LSTM 加上线性、NAC 或 NALU 输出层，在 631 个从未见过的数字上测试。",
    "10": "NPU、RealNPU 和 iNALU，各用几行 numpy 写出，与 NALU 和 NMU 一起在符号、零、除法和平方根上"
    "跑许多个随机种子；每篇论文的一个主要结果与发表的结果并列。",
}


@dataclass(frozen=True)
class Edition:
    """One language of the series: its folder inside ``notebooks/`` ("" for English), the words
    of its navigation lines and start-page table, and its table's lines (:data:`SUMMARIES`)."""

    code: str
    subfolder: str
    start_page: str
    header: str
    note: str
    summaries: dict
    coming: str
    titles_from_headings: bool


EDITIONS = (
    Edition(
        "en",
        "",
        "Start page",
        "| # | Notebook | What it shows | Run time* | Open in |",
        "\\* top to bottom in a fresh kernel, measured with `python tools/navigation.py measure` on {where} "
        "({when}); Binder's single CPU may take up to twice as long.",
        SUMMARIES,
        "*(coming)*",
        False,
    ),
    Edition(
        "zh",
        "zh",
        "从这里开始",
        "| # | 笔记本 | 内容 | 运行时间* | 打开方式 |",
        "\\* 在新内核中从头到尾运行，用 `python tools/navigation.py measure` 在 {where} 上测得（{when}；"
        "与英文版的代码相同）；Binder 只有一个 CPU，可能需要多达两倍的时间。",
        SUMMARIES_ZH,
        "*（即将推出）*",
        True,
    ),
)


def edition_of(folder: pathlib.Path) -> Edition:
    """The edition whose notebooks ``folder`` holds: a translation's folder is named for it
    (``notebooks/zh``), anything else is English."""
    return next((e for e in EDITIONS if e.subfolder and folder.name == e.subfolder), EDITIONS[0])


def _repository_path(path: pathlib.Path | None, edition: Edition) -> str:
    folder = "/".join(filter(None, ["notebooks", edition.subfolder]))
    return f"{folder}/{path.name}" if path else folder


def binder_url(path: pathlib.Path | None = None, edition: Edition = EDITIONS[0]) -> str:
    """Binder, opening JupyterLab at ``path`` (a notebook of ``edition``) or at the edition's
    notebooks folder (notebook 00)."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{_repository_path(path, edition)}"


def colab_url(path: pathlib.Path, edition: Edition = EDITIONS[0]) -> str:
    """Colab, opening the notebook ``path`` of ``edition`` from GitHub (every notebook's badge,
    notebook 00)."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{_repository_path(path, edition)}"


def _link_title(path: pathlib.Path, edition: Edition) -> str:
    if not edition.titles_from_headings:
        return file_title(path)
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    return f"{path.name[:2]} {heading_title(cells, path)}"


def navigation_line(notebooks: list[pathlib.Path], index: int, edition: Edition = EDITIONS[0]) -> str:
    """The markdown of the navigation line of ``notebooks[index]``: previous, start page, next,
    and its Binder and Colab badges (every notebook's first cell)."""
    path = notebooks[index]
    start = [p for p in notebooks if p.name.startswith("00_")]
    readme = "/".join([".."] * (2 if edition.subfolder else 1) + ["README.md"])
    home = f"[{edition.start_page}]({start[0].name})" if start and start[0] != path else f"[README]({readme})"
    parts = []
    if index > 0:
        parts.append(f"[← {_link_title(notebooks[index - 1], edition)}]({notebooks[index - 1].name})")
    if not (index > 0 and notebooks[index - 1] in start):  # no second link to the same page
        parts.append(home)
    if index + 1 < len(notebooks):
        parts.append(f"[{_link_title(notebooks[index + 1], edition)} →]({notebooks[index + 1].name})")
    badges = (
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(path, edition)}) "
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path, edition)})"
    )
    return " | ".join(parts) + "\n\n" + badges


def series_table(folder: pathlib.Path | str | None = None) -> str:
    """The start page's table of notebooks (notebook 00), as markdown, in the language of
    ``folder`` (:func:`edition_of`).

    One row per notebook in ``folder`` (the start page aside), with its title, its line from
    :data:`SUMMARIES` (or the edition's), its measured run time (:func:`load_run_times`; a
    translation's are the English notebooks', whose code it shares) and Binder and Colab links;
    notebooks in :data:`PLANNED` that do not exist yet are listed as coming.
    """
    folder = notebooks_folder(folder)
    edition = edition_of(folder)
    measurement = load_run_times(folder.parent if edition.subfolder else folder)
    rows = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        number = path.name[:2]
        if number == "00":
            continue
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        title = f"[{heading_title(cells, path)}]({path.name})"
        links = f"[Binder]({binder_url(path, edition)}) · [Colab]({colab_url(path, edition)})"
        rows[number] = (title, edition.summaries.get(number, ""), _run_time(measurement, number), links)
    for number, title in PLANNED.items():
        if number not in rows:
            rows[number] = (f"{title} {edition.coming}", edition.summaries.get(number, ""), "\u2013", "\u2013")
    lines = [edition.header, "|---|---|---|---|---|"]
    lines += [f"| {number} | {' | '.join(row)} |" for number, row in sorted(rows.items())]
    lines.append("")
    lines.append(run_time_note(measurement, edition))
    return "\n".join(lines)


def _set_tagged_cell(cells: list[dict], tag: str, source: str, insert_at: int | None = None) -> bool:
    """Give the first markdown cell tagged ``tag`` the ``source``; True if that changed anything.

    Without such a cell, inserts one at ``insert_at`` (or changes nothing if it is ``None``).
    """
    for cell in cells:
        if tag in cell.get("metadata", {}).get("tags", []):
            if "".join(cell["source"]) == source:
                return False
            cell["source"] = source
            return True
    if insert_at is None:
        return False
    cells.insert(insert_at, {"cell_type": "markdown", "metadata": {"tags": [tag]}, "source": source})
    return True


def update(
    check: bool = False, folder: pathlib.Path | str | None = None, readme: pathlib.Path | str | None = None
) -> list[str]:
    """Rewrite (or with ``check``, only compare) every notebook's navigation line, the start
    page's table of notebooks and the run times in ``readme`` (by default the ``README.md``
    beside the notebooks folder, if there is one).

    Returns the names of the files whose content was (or would be) changed. ``python
    tools/navigation.py`` (``--check``: a test).
    """
    folder = notebooks_folder(folder)
    changed = []
    for edition in EDITIONS:
        edition_folder = folder / edition.subfolder if edition.subfolder else folder
        if edition_folder.is_dir() and any(edition_folder.glob("[0-9][0-9]_*.ipynb")):
            changed += _update_edition(edition_folder, edition, check)
    readme = pathlib.Path(readme) if readme is not None else folder.parent / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        new = readme_with_run_times(text, load_run_times(folder))
        if new != text:
            changed.append(readme.name)
            if not check:
                readme.write_text(new, encoding="utf-8")
    return changed


def _update_edition(folder: pathlib.Path, edition: Edition, check: bool) -> list[str]:
    """:func:`update` for the notebooks of one edition; returns the changed files' names (a
    translation's as ``zh/NN_name.ipynb``)."""
    notebooks = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    prefix = f"{edition.subfolder}/" if edition.subfolder else ""
    changed = []
    for i, path in enumerate(notebooks):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
        first = cells[0] if cells else None
        line = navigation_line(notebooks, i, edition)
        if first is not None and TAG in first.get("metadata", {}).get("tags", []):
            different = "".join(first["source"]) != line
            first["source"] = line
        else:
            cells.insert(0, {"cell_type": "markdown", "metadata": {"tags": [TAG]}, "source": line})
            different = True
        if path.name.startswith("00_"):
            different = _set_tagged_cell(cells, TABLE_TAG, series_table(folder)) or different
        if not different:
            continue
        changed.append(prefix + path.name)
        if not check:
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python tools/navigation.py [measure] [--check] [--notebooks DIR]``
    (``argv`` defaults to ``sys.argv``); returns the exit status (README)."""
    parser = argparse.ArgumentParser(
        prog="python tools/navigation.py",
        description="Write the notebooks' navigation lines, the start page's table and the README's run times; "
        "or measure the run times.",
    )
    parser.add_argument(
        "command", nargs="?", choices=["update", "measure"], default="update", help="update (default) or measure"
    )
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    parser.add_argument("--notebooks", type=pathlib.Path, default=None, help="the notebooks folder")
    parser.add_argument("--only", nargs="*", default=None, help="measure: only these notebook numbers (01 04)")
    parser.add_argument("--save", action="store_true", help="measure: also save each notebook executed")
    args = parser.parse_args(argv)
    try:
        folder = notebooks_folder(args.notebooks)
    except FileNotFoundError as error:
        parser.error(str(error))
    if args.command == "measure":
        measure(folder, only=args.only, save=args.save)
        args.check = False
    changed = update(check=args.check, folder=folder)
    for name in changed:
        print(("out of date: " if args.check else "updated: ") + name)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
