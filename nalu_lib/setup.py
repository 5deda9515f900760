"""Seeding and version checks: what a notebook's Setup cell calls (every notebook)."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

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


from nalu_lib.seeding import seed_everything  # noqa: E402  (after TensorFlow has loaded quietly)

__all__ = ["check_versions", "notebook_setup", "seed_everything"]

#: Oldest versions the series is tested with.
MINIMUM_VERSIONS = {"tensorflow": "2.16", "keras": "3.0"}


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
