"""Write the navigation line at the top of every notebook: previous, index, next, and the
Binder and Colab badges. Run it after adding or renaming a notebook::

    python -m nalu_lib.navigation           # rewrite the lines
    python -m nalu_lib.navigation --check   # exit 1 if any line is out of date (a test does this)

The line is the notebook's first cell, a markdown cell tagged ``navigation``; only that cell is
touched, so execution counts and outputs stay as committed.
"""

from __future__ import annotations

import argparse
import json
import pathlib

__all__ = ["BRANCH", "REPOSITORY", "navigation_line", "update"]

#: The GitHub repository the Binder and Colab badges point at.
REPOSITORY = "nalu-series/nalu-notebooks"
BRANCH = "main"
NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
TAG = "navigation"


def _title(path: pathlib.Path) -> str:
    number, _, rest = path.stem.partition("_")
    return f"{number} {rest.replace('_', ' ')}"


def binder_url(path: pathlib.Path | None = None) -> str:
    """Binder, opening JupyterLab at ``path`` (a notebook) or at the first notebook."""
    target = f"notebooks/{path.name}" if path else "notebooks"
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{target}"


def colab_url(path: pathlib.Path) -> str:
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{path.name}"


def navigation_line(notebooks: list[pathlib.Path], index: int) -> str:
    """The markdown of notebook ``index``'s navigation line."""
    path = notebooks[index]
    start = [p for p in notebooks if p.name.startswith("00_")]
    home = f"[Start page]({start[0].name})" if start and start[0] != path else "[README](../README.md)"
    parts = []
    if index > 0:
        parts.append(f"[← {_title(notebooks[index - 1])}]({notebooks[index - 1].name})")
    parts.append(home)
    if index + 1 < len(notebooks):
        parts.append(f"[{_title(notebooks[index + 1])} →]({notebooks[index + 1].name})")
    badges = (
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(path)}) "
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path)})"
    )
    return " | ".join(parts) + "\n\n" + badges


def update(check: bool = False, folder: pathlib.Path = NOTEBOOKS) -> list[str]:
    """Rewrite (or with ``check``, only compare) every notebook's navigation line.

    Returns the names of the notebooks whose line was (or would be) changed.
    """
    notebooks = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    changed = []
    for i, path in enumerate(notebooks):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
        line = navigation_line(notebooks, i)
        first = cells[0] if cells else None
        if first is not None and TAG in first.get("metadata", {}).get("tags", []):
            if "".join(first["source"]) == line:
                continue
            first["source"] = line
        else:
            cells.insert(0, {"cell_type": "markdown", "metadata": {"tags": [TAG]}, "source": line})
        changed.append(path.name)
        if not check:
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the notebooks' navigation lines.")
    parser.add_argument("--check", action="store_true", help="only report notebooks that are out of date")
    args = parser.parse_args(argv)
    changed = update(check=args.check)
    for name in changed:
        print(("out of date: " if args.check else "updated: ") + name)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
