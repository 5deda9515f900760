"""Repository checks: lint, notebook navigation lines, notebooks committed executed."""

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from tools import navigation

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(pathlib.Path(sys.executable).with_name("ruff"))
    if not pathlib.Path(ruff).exists():
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_navigation_lines_are_up_to_date():
    assert navigation.update(check=True) == [], "run `python tools/navigation.py`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_committed_executed_in_order(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "run the notebook top to bottom in a fresh kernel"
    for cell in code:
        assert not any(o["output_type"] == "error" for o in cell["outputs"]), "a committed output is an error"


def test_the_series_is_complete():
    # numbered from 00 with no gap but the notebooks the start page lists as coming
    numbers = [p.name[:2] for p in NOTEBOOKS]
    expected = [f"{i:02d}" for i in range(int(numbers[-1]) + 1) if f"{i:02d}" not in navigation.PLANNED]
    assert numbers == expected
    assert {"00", "01", "02", "03", "04", "05", "06", "07", "09", "10"} <= set(numbers)
