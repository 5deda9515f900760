"""nalu_lib.setup: importing nalu_lib in a Jupyter kernel keeps TensorFlow's start-up log out of
the notebook but leaves file descriptor 2 working; seeding and seeded model building."""

import keras
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import nalu_lib
from nalu_lib import NAC, seeding


def _run(*sources: str) -> list[str]:
    """Execute code cells in a fresh kernel of this environment; each cell's text output."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    texts = []
    for cell in nb.cells:
        parts = [o.get("text", "") for o in cell.outputs if o.output_type == "stream"]
        parts += [str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs if "data" in o]
        texts.append("".join(parts))
    return texts


def test_import_keeps_the_start_up_log_out_and_native_stderr_working(monkeypatch):
    # ipykernel forwards what native code writes to descriptors 1 and 2 to the notebook, as in
    # JupyterLab, except under pytest (it checks PYTEST_CURRENT_TEST): a student's kernel here
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    setup_cell, write_cell, xla_cell = _run(
        "import nalu_lib",
        "import os\nos.write(2, b'native stderr reaches the notebook\\n')\nos.environ['TF_CPP_MIN_LOG_LEVEL']",
        "import tensorflow as tf\ntf.function(lambda x: 2 * x, jit_compile=True)(tf.constant(1.0)).numpy()",
    )
    assert setup_cell == ""  # no oneDNN notice, no absl warning
    assert "native stderr reaches the notebook" in write_cell and "'2'" in write_cell
    assert xla_cell.strip() == "np.float32(2.0)"  # XLA's first compilation logs nothing


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
