"""nalu_lib: the code behind the Neural Arithmetic Logic Units notebook series.

The notebooks import what they need from here and stay short; every function says which
notebook teaches it. A module per concern:

* :mod:`nalu_lib.layers`: the NAC and NALU as Keras 3 layers.
* :mod:`nalu_lib.data`: the article's data, the identity task, the paper's static task.
* :mod:`nalu_lib.training`: :func:`train` for one model, :func:`train_many` for many seeds.
* :mod:`nalu_lib.evaluation`: errors and the tables the notebooks print.
* :mod:`nalu_lib.plots`: the figures.
* :mod:`nalu_lib.setup`: seeding and version checks for a notebook's first cell.
"""

# nalu_lib.setup first: it loads TensorFlow without its start-up messages.
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
