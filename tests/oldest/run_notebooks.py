"""Every notebook, top to bottom, on the oldest stack the series supports (tests/oldest/requirements.txt).

Run by ``.ci/run`` in an environment of that stack, not by the README's test command::

    python -m pytest -o addopts="" -n 2 tests/oldest/run_notebooks.py

A notebook passes when every cell runs without an error: its asserts hold on this stack. Its
outputs are not compared with the committed ones, whose last digits come from the newest stack.
"""

import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

from nalu_lib.notebook.setup import KERNEL_ENV

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name[:2] for path in NOTEBOOKS])
def test_the_notebook_runs_top_to_bottom(path, monkeypatch):
    for name, value in KERNEL_ENV.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
