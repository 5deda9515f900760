"""Seeding and version checks: what a notebook's Setup cell calls (every notebook)."""

from __future__ import annotations

import contextlib
import os
import random
import re
import sys
import tempfile

from nalu_lib.checks import check_integer

#: What TensorFlow prints to file descriptor 2 while it loads, before its logging is set up:
#: absl's note on early log messages, INFO lines such as oneDNN's notice (``I0000 ...``), and
#: the continuation line of the CPU-feature notice.
_START_UP_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*"
    r"|To enable the following instructions: .*)$"
)


@contextlib.contextmanager
def _start_up_log_filtered():
    """Catch what native code writes to file descriptor 2 in this block, then pass on all but
    TensorFlow's start-up notes; if the block fails, pass on everything.

    TensorFlow 2.21 writes its oneDNN notice from C++ while it loads, before its log level
    (``TF_CPP_MIN_LOG_LEVEL``) applies, each line with a time stamp: Jupyter shows such writes
    under the running cell, so a student would see a different wall of log lines on every run.
    Descriptor 2 is restored when the block ends, so later native warnings and errors reach
    the notebook as usual, and an import that fails shows its full output.
    """
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            kept = lines if failed else [line for line in lines if not _START_UP_LINE.match(line.rstrip("\n"))]
            if kept:
                os.write(2, "".join(kept).encode())


# INFO and WARNING lines TensorFlow logs after start-up (XLA's "service initialized" and
# "Compiled cluster" notes on the first compilation) are filtered by its log level, which it
# reads once, when it loads; a value set before that (here or in the environment) wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "tensorflow" in sys.modules:
    import keras
    import tensorflow as tf
else:
    with _start_up_log_filtered():
        import keras
        import tensorflow as tf

import numpy as np  # noqa: E402  (numpy does not load TensorFlow; kept with the imports it follows)

__all__ = ["check_versions", "notebook_setup", "reseed_initializers", "seed_everything", "seeded_model"]

#: Oldest versions the series is tested with.
MINIMUM_VERSIONS = {"tensorflow": "2.16", "keras": "3.0"}


def seed_everything(seed: int = 42) -> int:
    """Make every run with the same ``seed`` compute the same numbers; returns ``seed``.

    Seeds Python, numpy, TensorFlow and Keras (``keras.utils.set_random_seed``), asks
    TensorFlow for deterministic ops, and runs TensorFlow on one thread where it is not yet
    running: the series' models are tiny, one thread is as fast, and it keeps sums in the same
    order on a laptop, a 2-core CI machine and Binder's single CPU.
    """
    seed = check_integer("seed", seed, minimum=0)
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


def reseed_initializers(model: keras.layers.Layer, built_too: bool = False) -> None:
    """Give the unseeded random initializers of ``model``'s unbuilt layers (all layers with
    ``built_too``) seeds drawn now, from Python's ``random``.

    A Keras initializer created without a seed fixes one when it is *created*, so ``NAC(1)``
    made before ``keras.utils.set_random_seed`` would ignore the seed. Drawing again after
    seeding makes the initial weights depend on the seed alone (notebooks 02-05).
    """
    for layer in model._flatten_layers(include_self=True):
        if layer.built and not built_too:
            continue
        for value in vars(layer).values():
            if isinstance(value, keras.initializers.Initializer) and getattr(value, "_init_seed", 0) is None:
                value.seed = random.randint(1, int(1e9))


def seeded_model(model, x, seed: int | None) -> keras.Model:
    """``model`` built on ``x``, its initial weights a function of ``seed`` alone.

    ``model`` is a Keras model (or layer), or a function that returns one; an unbuilt model is
    built on ``x[:1]`` after ``keras.utils.set_random_seed(seed)`` and
    :func:`reseed_initializers`, a built one keeps its weights. This is how
    :func:`nalu_lib.train` starts, so :func:`nalu_lib.evaluation.initial_model` shows a run's
    starting point (notebook 03).
    """
    if not isinstance(model, keras.layers.Layer):
        if not callable(model):
            raise ValueError(f"model must be a Keras model or a function that builds one, got {model!r}")
        if seed is not None:
            keras.utils.set_random_seed(seed)
        model = model()
        if not isinstance(model, keras.layers.Layer):
            raise ValueError(f"the model-building function returned {model!r}, not a Keras model")
    if seed is not None:
        keras.utils.set_random_seed(seed)
        reseed_initializers(model)
    if not model.built:
        model(np.asarray(x, dtype=np.float32)[:1])
    return model


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
