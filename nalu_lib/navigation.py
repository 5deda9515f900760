"""Write the navigation line at the top of every notebook: previous, index, next, and the
Binder and Colab badges; and the table of notebooks on the start page (notebook 00). Run it
after adding or renaming a notebook, or after re-measuring run times::

    python -m nalu_lib.navigation           # rewrite the lines and the table
    python -m nalu_lib.navigation --check   # exit 1 if any is out of date (a test does this)

The line is the notebook's first cell, a markdown cell tagged ``navigation``; the table is the
start page's markdown cell tagged ``series-table``, built from the notebooks that exist, with
:data:`SUMMARIES` and :data:`RUN_TIMES`. Only those cells are touched, so execution counts and
outputs stay as committed.
"""

from __future__ import annotations

import argparse
import json
import pathlib

__all__ = [
    "BRANCH",
    "PLANNED",
    "REPOSITORY",
    "RUN_TIMES",
    "SUMMARIES",
    "binder_url",
    "colab_url",
    "navigation_line",
    "series_table",
    "update",
]

#: The GitHub repository the Binder and Colab badges point at.
REPOSITORY = "nalu-series/nalu-notebooks"
BRANCH = "main"
NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
TAG = "navigation"
#: The tag of the start page's cell that holds the table of notebooks.
TABLE_TAG = "series-table"

#: Run time of each notebook, top to bottom in a fresh kernel, measured on a 2-core CPU machine
#: (``jupyter nbconvert --execute``). Update here after re-measuring, then run this module.
RUN_TIMES = {
    "00": "~10 s",
    "01": "~35 s",
    "02": "~15 s",
    "03": "~20 s",
    "04": "~1 min",
    "05": "~35 s",
    "06": "~15 s",
}

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
}

#: Titles of notebooks that are planned but not written yet: the table lists them as coming
#: (for example ``{"07": "Recurrent NALUs"}``).
PLANNED: dict[str, str] = {}


def _title(path: pathlib.Path) -> str:
    number, _, rest = path.stem.partition("_")
    return f"{number} {rest.replace('_', ' ')}"


def binder_url(path: pathlib.Path | None = None) -> str:
    """Binder, opening JupyterLab at ``path`` (a notebook) or at the notebooks folder (notebook 00)."""
    target = f"notebooks/{path.name}" if path else "notebooks"
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{target}"


def colab_url(path: pathlib.Path) -> str:
    """Colab, opening the notebook ``path`` from GitHub (every notebook's badge, notebook 00)."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{path.name}"


def navigation_line(notebooks: list[pathlib.Path], index: int) -> str:
    """The markdown of notebook ``index``'s navigation line."""
    path = notebooks[index]
    start = [p for p in notebooks if p.name.startswith("00_")]
    home = f"[Start page]({start[0].name})" if start and start[0] != path else "[README](../README.md)"
    parts = []
    if index > 0:
        parts.append(f"[← {_title(notebooks[index - 1])}]({notebooks[index - 1].name})")
    if not (index > 0 and notebooks[index - 1] in start):  # no second link to the same page
        parts.append(home)
    if index + 1 < len(notebooks):
        parts.append(f"[{_title(notebooks[index + 1])} →]({notebooks[index + 1].name})")
    badges = (
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(path)}) "
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path)})"
    )
    return " | ".join(parts) + "\n\n" + badges


def _heading_title(cells: list[dict], path: pathlib.Path) -> str:
    """The title from a notebook's ``# NN · Title`` heading, else from its file name."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        first_line = "".join(cell.get("source", "")).lstrip().split("\n", 1)[0]
        if first_line.startswith("# "):
            title = first_line[2:].strip()
            return title.split("·", 1)[1].strip() if "·" in title else title
    return _title(path).split(" ", 1)[-1].capitalize()


def series_table(folder: pathlib.Path = NOTEBOOKS) -> str:
    """The start page's table of notebooks (notebook 00), as markdown.

    One row per notebook in ``folder`` (the start page aside), with its title, its line from
    :data:`SUMMARIES`, its run time from :data:`RUN_TIMES` and Binder and Colab links; notebooks
    in :data:`PLANNED` that do not exist yet are listed as coming.
    """
    rows = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        number = path.name[:2]
        if number == "00":
            continue
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        title = f"[{_heading_title(cells, path)}]({path.name})"
        links = f"[Binder]({binder_url(path)}) · [Colab]({colab_url(path)})"
        rows[number] = (title, SUMMARIES.get(number, ""), RUN_TIMES.get(number, "\u2013"), links)
    for number, title in PLANNED.items():
        if number not in rows:
            rows[number] = (f"{title} *(coming)*", SUMMARIES.get(number, ""), "\u2013", "\u2013")
    lines = ["| # | Notebook | What it shows | Run time* | Open in |", "|---|---|---|---|---|"]
    lines += [f"| {number} | {' | '.join(row)} |" for number, row in sorted(rows.items())]
    lines.append("")
    lines.append(
        "\\* top to bottom, measured on a 2-core CPU machine; Binder's single CPU may take up to twice as long."
    )
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


def update(check: bool = False, folder: pathlib.Path = NOTEBOOKS) -> list[str]:
    """Rewrite (or with ``check``, only compare) every notebook's navigation line and the start
    page's table of notebooks.

    Returns the names of the notebooks whose cells were (or would be) changed.
    """
    notebooks = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    changed = []
    for i, path in enumerate(notebooks):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
        first = cells[0] if cells else None
        line = navigation_line(notebooks, i)
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
        changed.append(path.name)
        if not check:
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the notebooks' navigation lines and the start page's table.")
    parser.add_argument("--check", action="store_true", help="only report notebooks that are out of date")
    args = parser.parse_args(argv)
    changed = update(check=args.check)
    for name in changed:
        print(("out of date: " if args.check else "updated: ") + name)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
