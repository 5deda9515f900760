"""Seeding and version checks: what a notebook's Setup cell calls (every notebook)."""

from __future__ import annotations

import os
import sys


def _silence_native_stderr_in_jupyter() -> None:
    """In a Jupyter kernel, send C-level writes to file descriptor 2 to /dev/null.

    TensorFlow and XLA log from C++ (absl) straight to file descriptor 2: start-up notes on
    oneDNN and CUDA, "XLA service initialized", each with a time stamp. Jupyter copies that
    descriptor under whatever cell is running, so students would see a different wall of log
    lines on every run, and strict nbval would fail. Inside a kernel, Python's own warnings and
    errors do not use that descriptor (ipykernel sends them over its own channel), so nothing
    a student needs is lost. Outside Jupyter nothing changes.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "ipykernel" not in sys.modules:
        return
    try:
        sys.__stderr__.flush()
    except (AttributeError, ValueError):
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


_silence_native_stderr_in_jupyter()

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

__all__ = ["check_versions", "notebook_setup", "seed_everything"]

#: Oldest versions the series is tested with.
MINIMUM_VERSIONS = {"tensorflow": "2.16", "keras": "3.0"}


def seed_everything(seed: int = 42) -> int:
    """Make every run with the same ``seed`` compute the same numbers; returns ``seed``.

    Seeds Python, numpy, TensorFlow and Keras (``keras.utils.set_random_seed``), asks
    TensorFlow for deterministic ops, and runs TensorFlow on one thread where it is not yet
    running: the series' models are tiny, one thread is as fast, and it keeps sums in the same
    order on a laptop, a 2-core CI machine and Binder's single CPU.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got seed={seed!r}")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow already started; the thread settings can no longer change
    tf.config.experimental.enable_op_determinism()
    # Each train() call compiles a fresh graph on purpose; TensorFlow's retracing warning
    # about that would only add noise to the notebooks.
    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)
    return seed


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_versions() -> str:
    """Check TensorFlow and Keras are new enough; return a one-line summary to print.

    Raises ``RuntimeError`` with what to install if they are not (Keras 2 lacks the API the
    layers use).
    """
    found = {"tensorflow": tf.__version__, "keras": keras.__version__}
    for name, minimum in MINIMUM_VERSIONS.items():
        if _version_tuple(found[name]) < _version_tuple(minimum):
            raise RuntimeError(
                f"this series needs {name} >= {minimum}, but {found[name]} is installed: "
                "run `pip install -r requirements.txt` in a fresh environment"
            )
    return f"TensorFlow {found['tensorflow']}, Keras {found['keras']}: ready."


def notebook_setup(seed: int = 42) -> str:
    """Everything a notebook's Setup cell does after the imports: seed, check, style.

    Seeds with :func:`seed_everything`, checks versions with :func:`check_versions`, and sets
    matplotlib's defaults for the series (readable sizes, a grid). Returns the line to show.
    """
    import matplotlib.pyplot as plt

    seed_everything(seed)
    message = check_versions()
    plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3, "figure.autolayout": True})
    return f"{message} Seed: {seed}."
