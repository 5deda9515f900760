"""A notebook shows no TensorFlow start-up log in a plain ``python3`` kernel.

A student who installs ``requirements.txt`` without ``python -m nalu_lib kernel``, or runs a
notebook on Colab, gets a kernel whose environment lacks ``TF_CPP_MIN_LOG_LEVEL`` and
``TF_ENABLE_ONEDNN_OPTS``. Every notebook's Setup cell therefore calls
``use_series_environment()`` before TensorFlow loads. These tests run notebook 02's Setup cell,
then a cell that compiles with XLA (which logs at TensorFlow's INFO level), in such a kernel,
and look at every stream the cells print. The same cells with the call taken out show the log
on this machine, which proves the check can fail; a watch on ``import tensorflow`` records the
environment TensorFlow loaded with, which does not depend on what this machine's TensorFlow
happens to log. A last test reads every notebook: its first call of
``use_series_environment()`` comes before anything that loads TensorFlow.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from exercise_kernel import execute
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from nalu_lib.notebook.setup import KERNEL_ENV

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"

#: TensorFlow's C++ start-up log: absl's note, INFO/WARNING/ERROR lines such as
#: ``I0000 00:00:17... cpu_feature_guard.cc:227]``, oneDNN's notice, the CPU-feature notice.
START_UP_LOG = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:\d\d|absl::InitializeLog|oneDNN custom operations|cpu_feature_guard"
    r"|TensorFlow binary is optimized",
    re.MULTILINE,
)

#: Installed before the notebook's cells: records the environment when TensorFlow is first imported.
WATCH = f"""
import os, sys

class _TensorFlowWatch:
    seen = None

    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" and _TensorFlowWatch.seen is None:
            _TensorFlowWatch.seen = {{key: os.environ.get(key) for key in {sorted(KERNEL_ENV)!r}}}
        return None

sys.meta_path.insert(0, _TensorFlowWatch())
"""

#: A cell that uses TensorFlow: 5000 steps run in one XLA-compiled graph, which TensorFlow
#: announces at INFO level ("XLA service ... initialized") unless the environment says otherwise.
USES_TENSORFLOW = """
x_train, y_train, _, _ = tasks.article_task("add")
history = train(keras.Sequential([NAC(1)]), x_train, y_train, steps=5000, seed=0)
print(f"{history.steps_run} steps")
"""

CALL = "use_series_environment()"


def _setup_cell(notebook: str) -> str:
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    return next("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _without_call(source: str) -> str:
    """The Setup cell as it was before every notebook called ``use_series_environment()``."""
    return "\n".join(line for line in source.splitlines() if "use_series_environment" not in line)


def run_in_plain_kernel(sources: list[str], timeout: float = 120) -> tuple[list[str], str]:
    """Run ``sources`` in a fresh ``python3`` kernel without :data:`KERNEL_ENV` in its environment.

    Returns every stream each cell printed (stdout and stderr alike, as Jupyter shows them under
    the cell) and the value of ``_TensorFlowWatch.seen`` (see :data:`WATCH`) at the end.
    """
    env = {key: value for key, value in os.environ.items() if key not in KERNEL_ENV and key != "PYTEST_CURRENT_TEST"}
    with tempfile.TemporaryDirectory() as folder:
        spec = pathlib.Path(folder, "plain-python3")
        spec.mkdir()
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "plain", "language": "python"}))
        specs = KernelSpecManager(kernel_dirs=[folder])
        manager = KernelManager(kernel_name="plain-python3", kernel_spec_manager=specs)
        manager.start_kernel(env=env, cwd=str(NOTEBOOKS))
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout)
            streams = [_run(client, source, timeout) for source in [WATCH, *sources, "print(_TensorFlowWatch.seen)"]]
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    return streams[1:-1], streams[-1].strip()


def _run(client, source: str, timeout: float) -> str:
    printed, error, _ = execute(client, source, timeout)
    if error is not None:
        raise AssertionError(f"a cell failed in the plain kernel: {error}")
    return printed


@pytest.fixture(scope="module")
def runs():
    """Notebook 02's Setup cell and a TensorFlow cell, as committed and without the call, in two
    plain kernels started side by side (each takes several seconds to load TensorFlow)."""
    setup = _setup_cell("02_the_nac_learns_addition.ipynb")
    with ThreadPoolExecutor(max_workers=2) as pool:
        as_committed = pool.submit(run_in_plain_kernel, [setup, USES_TENSORFLOW])
        without_call = pool.submit(run_in_plain_kernel, [_without_call(setup), USES_TENSORFLOW])
        return {"as committed": as_committed.result(), "without the call": without_call.result()}


def test_a_plain_kernel_shows_no_start_up_log(runs):
    streams, seen = runs["as committed"]
    assert "5000 steps" in streams[1], streams
    for number, printed in enumerate(streams):
        found = START_UP_LOG.findall(printed)
        assert not found, f"cell {number} printed TensorFlow's start-up log in a plain kernel: {found}\n{printed}"
    assert seen == repr(dict(sorted(KERNEL_ENV.items()))), f"TensorFlow loaded with {seen}, not {KERNEL_ENV}"


def test_without_the_call_the_check_sees_the_log(runs):
    streams, seen = runs["without the call"]
    assert "5000 steps" in streams[1], streams
    assert START_UP_LOG.search("".join(streams)), f"no start-up log to catch here: {streams}"
    assert seen == repr({key: None for key in sorted(KERNEL_ENV)}), seen


#: What loads TensorFlow in a Setup cell: Keras, TensorFlow, or a part of nalu_lib other than
#: the setup module (``import nalu_lib`` alone loads nothing).
LOADS_TENSORFLOW = re.compile(
    r"^\s*(import\s+(tensorflow|keras)\b|from\s+(tensorflow|keras)\b|from\s+nalu_lib(?!\.notebook\.setup\b)[.\w]*\s+import"
    r"|import\s+nalu_lib\.(?!notebook\.setup\b))",
    re.MULTILINE,
)


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
def test_every_notebook_sets_the_environment_before_tensorflow_loads(notebook):
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    call = code.find(CALL)
    assert call >= 0, f"{notebook} never calls {CALL}"
    first_load = LOADS_TENSORFLOW.search(code)
    assert first_load is None or call < first_load.start(), (
        f"{notebook} loads TensorFlow ({first_load and first_load.group(0).strip()!r}) before it calls {CALL}"
    )
