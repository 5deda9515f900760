"""Every notebook, top to bottom, on the oldest stack the series supports (tests/oldest/requirements.txt).

Run by ``.ci/run`` in an environment of that stack, not by the README's test command::

    python -m pytest -o addopts="" -n 2 tests/oldest/run_notebooks.py

A notebook passes when every cell runs without an error (its asserts hold on this stack) and
no cell prints TensorFlow's or XLA's C++ log (which TensorFlow 2.19 writes through absl whatever
``TF_CPP_MIN_LOG_LEVEL`` says). Its outputs are not otherwise compared with the committed ones,
whose last digits come from the newest stack.
"""

import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

from nalu_lib.notebook.setup import KERNEL_ENV

#: A line of TensorFlow's C++ log (``I0000 00:00:17... service.cc:152] XLA service ...``) or absl's note.
C_LOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d|absl::InitializeLog", re.MULTILINE)

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name[:2] for path in NOTEBOOKS])
def test_the_notebook_runs_top_to_bottom(path, monkeypatch):
    for name, value in KERNEL_ENV.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                found = C_LOG.findall(output["text"])
                assert not found, f"{path.name}, cell {index}: TensorFlow's C++ log in the output: {found}"
