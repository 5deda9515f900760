"""``python -m nalu_lib kernel``: set this environment's Jupyter up as Binder's: the series' kernel
and JupyterLab's settings for students.

The kernel runs with :data:`nalu_lib.notebook.setup.KERNEL_ENV`, which keeps TensorFlow's start-up log
out of the notebooks (see :mod:`nalu_lib.notebook.setup`). Binder's ``postBuild`` and the README's
install command run it.
"""

import sys

from nalu_lib.notebook.setup import KERNEL_ENV, install_kernel, install_lab_settings

if sys.argv[1:] != ["kernel"]:
    sys.exit("usage: python -m nalu_lib kernel   (installs the series' Jupyter kernel in this environment)")
settings = ", ".join(f"{name}={value}" for name, value in KERNEL_ENV.items())
print(f"installed the series' Jupyter kernel ({settings}) in {install_kernel()}")
print(f"installed JupyterLab's settings for students in {install_lab_settings()}")
