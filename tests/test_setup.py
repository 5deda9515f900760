"""nalu_lib.notebook.setup: the series' kernel keeps TensorFlow's start-up log out of a notebook whatever
the order of its imports, and leaves file descriptor 2 working; seeding and seeded models."""

import json
import os
import pathlib
import subprocess
import sys

import keras
import nbformat
import numpy as np
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

import nalu_lib
from nalu_lib import NAC
from nalu_lib.engine import seeding
from nalu_lib.notebook.setup import KERNEL_ENV, LAB_OVERRIDES, install_kernel, install_lab_settings

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(km: KernelManager, *sources: str) -> list[str]:
    """Execute code cells in a fresh kernel of ``km``; each cell's text output."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    NotebookClient(nb, km=km, timeout=120).execute()
    texts = []
    for cell in nb.cells:
        parts = [o.get("text", "") for o in cell.outputs if o.output_type == "stream"]
        parts += [str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs if "data" in o]
        texts.append("".join(parts))
    return texts


def test_install_kernel_writes_the_environment_into_the_kernel_spec(tmp_path):
    folder = pathlib.Path(install_kernel(prefix=str(tmp_path)))
    spec = json.loads((folder / "kernel.json").read_text())
    assert folder == tmp_path / "share" / "jupyter" / "kernels" / "python3"
    assert spec["env"] == KERNEL_ENV == {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}
    # Binder's image and the README's install command both install it
    assert "\npython -m nalu_lib kernel\n" in (ROOT / "binder" / "postBuild").read_text()
    assert ".venv/bin/python -m nalu_lib kernel && .venv/bin/jupyter lab" in (ROOT / "README.md").read_text()


def test_the_students_jupyterlab_settings_go_where_jupyterlab_reads_them(tmp_path):
    path = install_lab_settings(prefix=str(tmp_path))
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = json.loads(path.read_text())
    assert settings == json.loads(LAB_OVERRIDES.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_the_students_install_command_brings_no_test_or_teacher_tools():
    readme = (ROOT / "README.md").read_text()
    install = next(line for line in readme.splitlines() if "jupyter lab notebooks/00_start_here.ipynb" in line)
    assert "pip install -r requirements.txt" in install and "requirements-dev" not in install
    assert ".venv/bin/pip install -r requirements-dev.txt && .venv/bin/python -m pytest" in readme


@pytest.mark.parametrize("order", ["keras first", "nalu_lib first"])
def test_the_series_kernel_keeps_the_start_up_log_out_in_any_import_order(tmp_path, monkeypatch, order):
    # ipykernel forwards what native code writes to descriptors 1 and 2 to the notebook, as in
    # JupyterLab, except under pytest (it checks PYTEST_CURRENT_TEST): a student's kernel here.
    # The settings come from the installed kernel spec alone, not from this process.
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    for name in KERNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    install_kernel(prefix=str(tmp_path))
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "share" / "jupyter" / "kernels")])
    km = KernelManager(kernel_spec_manager=specs, kernel_name="python3")
    imports = ["import keras\nimport tensorflow as tf", "import nalu_lib"]
    if order == "nalu_lib first":
        imports.reverse()
    first, second, write_cell, xla_cell = _run(
        km,
        *imports,
        "import os\nos.write(2, b'native stderr reaches the notebook\\n')\nos.environ['TF_ENABLE_ONEDNN_OPTS']",
        "import tensorflow as tf\ntf.function(lambda x: 2 * x, jit_compile=True)(tf.constant(1.0)).numpy()",
    )
    assert first == second == ""  # no oneDNN notice, no absl warning, no CPU-feature notice
    assert "native stderr reaches the notebook" in write_cell and "'0'" in write_cell
    assert xla_cell.strip() == "np.float32(2.0)"  # XLA's first compilation logs nothing


def test_without_the_kernel_settings_tensorflow_would_log(tmp_path, monkeypatch):
    # the check above can fail: a kernel without the settings shows TensorFlow's start-up notes
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    for name in KERNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    km = KernelManager(kernel_name="python3")
    km.kernel_spec.env = {}
    (log,) = _run(km, "import keras")
    # which notes TensorFlow prints depends on the CPU (oneDNN's only where it is on by default)
    assert any(note in log for note in ("oneDNN", "cpu_feature_guard", "absl::InitializeLog")), log


def test_seeded_model_depends_on_the_seed_alone():
    x = np.ones((1, 3), np.float32)
    a = seeding.seeded_model(lambda: keras.Sequential([NAC(2)]), x, seed=1)
    keras.utils.set_random_seed(99)
    layer = NAC(2)  # made before seeding: its initializers are reseeded
    b = seeding.seeded_model(keras.Sequential([layer]), x, seed=1)
    np.testing.assert_array_equal(a.layers[0].W, b.layers[0].W)
    c = seeding.seeded_model(lambda: keras.Sequential([NAC(2)]), x, seed=2)
    assert not np.array_equal(a.layers[0].W, c.layers[0].W)
    with pytest.raises(ValueError, match="model"):
        seeding.seeded_model(42, x, seed=0)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_seed_everything_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        nalu_lib.seed_everything(seed)


def _first_xla_compilation_stderr(quiet: bool) -> str:
    """What a fresh Python without the series' environment writes to its standard error at
    its first two XLA compilations, with or without :func:`start_xla_quietly` first."""
    code = (
        "import tensorflow as tf\n"
        "from nalu_lib.notebook.setup import start_xla_quietly\n"
        f"{'start_xla_quietly()' if quiet else ''}\n"
        "print(tf.function(lambda x: x * 3.0, jit_compile=True)(tf.constant(1.0)).numpy())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "3.0", done.stderr
    return done.stderr


def test_start_xla_quietly_keeps_xlas_start_up_notes_out():
    # without the series' environment, XLA writes its start-up notes at the first compilation
    # (as TensorFlow 2.19 does even with it); start_xla_quietly makes that compilation silent
    assert "XLA service" in _first_xla_compilation_stderr(quiet=False)
    assert "XLA service" not in _first_xla_compilation_stderr(quiet=True)
    assert "Compiled cluster using XLA" not in _first_xla_compilation_stderr(quiet=True)
