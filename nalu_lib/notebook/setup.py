"""Version checks, a notebook's first cell, and the kernel environment (every notebook).

TensorFlow prints start-up notes from C++ while it loads (absl's note on early log messages,
oneDNN's notice, the CPU-feature notice), each with a time stamp, and Jupyter shows them under
the running cell: a student would see a different wall of log lines on every run. Two
environment variables, read by TensorFlow when it loads, keep them out:

* ``TF_CPP_MIN_LOG_LEVEL=2``: only errors from TensorFlow's C++ log;
* ``TF_ENABLE_ONEDNN_OPTS=0``: TensorFlow's own CPU kernels instead of oneDNN's, whose notice
  ("you may see slightly different numerical results") TensorFlow 2.21 prints whatever the
  log level. The notebooks' committed outputs are computed this way.

They belong to the kernel's environment, set before TensorFlow loads: Binder's kernel gets them
from ``python -m nalu_lib kernel`` (``binder/postBuild``), a local install from the README's
install command, and the tests from ``tests/conftest.py``; every notebook's Setup cell and the
benchmarks also call :func:`use_series_environment` before their first import of TensorFlow or
Keras, so that a plain ``python3`` kernel (Colab's) shows the same outputs. Importing nalu_lib
sets nothing.
"""

from __future__ import annotations

import os
import pathlib
import sys

from packaging.version import Version

#: The environment every kernel of the series runs in (see the module's docstring).
KERNEL_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}

__all__ = ["KERNEL_ENV", "check_versions", "install_kernel", "notebook_setup", "use_series_environment"]


def use_series_environment() -> bool:
    """Set :data:`KERNEL_ENV` where unset; ``False`` (and nothing set) once TensorFlow has
    loaded, since it reads them when it loads. Every notebook's Setup cell calls it before its
    first import of TensorFlow or Keras, so that a plain ``python3`` kernel (Colab's, or one
    without ``python -m nalu_lib kernel``) shows the same outputs as the series' kernel, without
    TensorFlow's start-up log; the benchmarks call it too."""
    if "tensorflow" in sys.modules:
        return False
    for name, value in KERNEL_ENV.items():
        os.environ.setdefault(name, value)
    return True


#: Oldest versions the series is tested with.
MINIMUM_VERSIONS = {"tensorflow": "2.19", "keras": "3.10"}


def check_versions() -> str:
    """Check TensorFlow and Keras are new enough; return a one-line summary to print.

    Raises ``RuntimeError`` with what to install if they are not (Keras 2 lacks the API the
    layers use). Every notebook's Setup cell calls it through :func:`notebook_setup`.
    """
    import keras
    import tensorflow as tf

    found = {"tensorflow": tf.__version__, "keras": keras.__version__}
    for name, minimum in MINIMUM_VERSIONS.items():
        if Version(found[name]).release[:2] < Version(minimum).release[:2]:
            raise RuntimeError(
                f"this series needs {name} >= {minimum}, but {found[name]} is installed: "
                "run `pip install -r requirements.txt` in a fresh environment"
            )
    return f"TensorFlow {found['tensorflow']}, Keras {found['keras']}: ready."


def notebook_setup(seed: int = 42) -> str:
    """Everything a notebook's Setup cell does after the imports: seed, check, style.

    Seeds with :func:`nalu_lib.seed_everything`, checks versions with :func:`check_versions`, and
    sets matplotlib's defaults for the series (readable sizes, a grid). Returns the line to show.
    Every notebook calls it; notebook 00 explains its Setup cell.
    """
    import matplotlib.pyplot as plt

    from nalu_lib.engine.seeding import seed_everything

    seed_everything(seed)
    message = check_versions()
    start_xla_quietly()
    plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3, "figure.autolayout": True})
    return f"{message} Seed: {seed}."


def start_xla_quietly() -> None:
    """Compile one tiny XLA function with the process's standard error (file descriptor 2) sent
    to ``os.devnull``, so that XLA's start-up notes never reach a notebook.

    Before TensorFlow 2.21, XLA writes "XLA service ... initialized for platform Host" and
    "Compiled cluster using XLA!" through absl before absl's logging is set up, whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says (TensorFlow 2.19, Colab's, does). Each is written once per
    process, at its first XLA compilation: this makes that compilation happen here, silently.
    :func:`notebook_setup` calls it.
    """
    import tensorflow as tf

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            tf.function(lambda x: x + 1.0, jit_compile=True)(tf.constant(0.0))
    finally:
        os.dup2(saved, 2)
        os.close(saved)


#: JupyterLab's settings for students (no "get notified about Jupyter news?" pop-up, no update
#: check), installed as its application-level ``overrides.json``; a user's own settings win.
LAB_OVERRIDES = pathlib.Path(__file__).with_name("lab_overrides.json")


def install_lab_settings(prefix: str | None = None) -> pathlib.Path:
    """Install :data:`LAB_OVERRIDES` as JupyterLab's ``overrides.json`` in ``prefix`` (default: this
    environment), where JupyterLab reads it (``{prefix}/share/jupyter/lab/settings``); returns
    the file. Run by ``python -m nalu_lib kernel``."""
    folder = pathlib.Path(sys.prefix if prefix is None else prefix) / "share" / "jupyter" / "lab" / "settings"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "overrides.json"
    target.write_text(LAB_OVERRIDES.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def install_kernel(prefix: str | None = None, name: str = "python3") -> str:
    """Install this Python's Jupyter kernel with :data:`KERNEL_ENV` in its environment.

    Installs into ``prefix`` (default: this environment, ``sys.prefix``), replacing the
    default ``python3`` kernel there, so JupyterLab's notebooks run in it without choosing a
    kernel. ``name`` is the kernel's name. Returns the kernel's folder. Run as
    ``python -m nalu_lib kernel`` (the README's install command and Binder's ``postBuild``); no
    notebook calls it.
    """
    from ipykernel.kernelspec import install

    return install(kernel_name=name, prefix=sys.prefix if prefix is None else prefix, env=dict(KERNEL_ENV))
