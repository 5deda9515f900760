"""nalu_lib: the code behind the Neural Arithmetic Logic Units notebook series.

The notebooks import what they need from here and stay short; every function says which
notebook teaches it. A module per concern, and data flows one way (data -> layers -> training
-> evaluation -> plots and widgets); no module imports a private name from another:

* :mod:`nalu_lib.checks`: the argument checks every module shares.
* :mod:`nalu_lib.setup`: the kernel's environment (``python -m nalu_lib kernel``), version
  checks and a notebook's first cell.
* :mod:`nalu_lib.seeding`: seeds, and initial weights that depend on the seed alone.
* :mod:`nalu_lib.data`, :mod:`nalu_lib.sequences`: the article's data, the identity task, the
  paper's static task, sequences, handwritten digits and number words.
* :mod:`nalu_lib.layers`, :mod:`nalu_lib.recurrent`: the NAC, NALU, NAU and NMU as Keras 3
  layers, and the recurrent NAC and NALU as Keras RNN cells.
* :mod:`nalu_lib.models`: small model builders.
* :mod:`nalu_lib.loop`: the compiled training loop both trainers share.
* :mod:`nalu_lib.training`: :func:`train` for one model.
* :mod:`nalu_lib.ensemble`: :func:`train_many` for many seeds at once.
* :mod:`nalu_lib.evaluation`: errors, success criteria and the tables the notebooks print.
* :mod:`nalu_lib.benchmark`: the paper's static arithmetic benchmark, short runs.
* :mod:`nalu_lib.static_task`: Madsen & Johansen's static task at their full protocol, and its
  committed results.
* :mod:`nalu_lib.plots`, :mod:`nalu_lib.progress`: the figures, and progress bars that leave a
  line behind.
* :mod:`nalu_lib.widgets`, :mod:`nalu_lib.classroom`, :mod:`nalu_lib.navigation`: the
  playground, the teacher's course and student versions, navigation lines and run times.
"""

# nalu_lib.setup first: it sets TensorFlow's environment before TensorFlow loads.
from nalu_lib.setup import check_versions, notebook_setup, seed_everything  # isort: skip
from nalu_lib.layers import NAC, NALU, NAU, NMU
from nalu_lib.training import Ensemble, History, train, train_many

__version__ = "0.1.0"

__all__ = [
    "NAC",
    "NALU",
    "NAU",
    "NMU",
    "Ensemble",
    "History",
    "__version__",
    "check_versions",
    "notebook_setup",
    "seed_everything",
    "train",
    "train_many",
]
