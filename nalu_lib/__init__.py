"""nalu_lib: the code behind the Neural Arithmetic Logic Units notebook series.

The notebooks import what they need from here and stay short; every function says which
notebook teaches it. A module per concern:

Data flows one way, and no module imports a private name from another:

* :mod:`nalu_lib.checks`: the argument checks every module shares.
* :mod:`nalu_lib.setup`: loads TensorFlow without its start-up log; seeding, seeded model
  building and version checks for a notebook's first cell.
* :mod:`nalu_lib.data`: the article's data, the identity task, the paper's static task.
* :mod:`nalu_lib.layers`: the NAC, NALU, NAU and NMU as Keras 3 layers.
* :mod:`nalu_lib.models`: small model builders.
* :mod:`nalu_lib.training`: :func:`train` for one model, :func:`train_many` for many seeds.
* :mod:`nalu_lib.evaluation`: errors, success criteria and the tables the notebooks print.
* :mod:`nalu_lib.benchmark`: the paper's static arithmetic benchmark over many seeds.
* :mod:`nalu_lib.plots`: the figures, from arrays and duck-typed results.
* :mod:`nalu_lib.widgets`, :mod:`nalu_lib.classroom`, :mod:`nalu_lib.navigation`: the
  playground, student versions, navigation lines.
"""

# nalu_lib.setup first: it loads TensorFlow and keeps its start-up log out of notebooks.
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
