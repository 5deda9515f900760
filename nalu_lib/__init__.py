"""nalu_lib: neural arithmetic units as Keras 3 layers, a fast TensorFlow trainer, and the code
behind the notebook series. Each function says which notebook teaches it.

* :mod:`nalu_lib.units`: the NAC, NALU, NAU, NMU, NPU, RealNPU and iNALU, and the recurrent
  cells, one file each, in ``keras.ops`` (any Keras backend).
* :mod:`nalu_lib.engine`: the TensorFlow training engine: :func:`train`, :func:`train_many`,
  the compiled loop, seeding.
* :mod:`nalu_lib.tasks`: the data: the article's, the static task (with Madsen & Johansen's
  protocol, runner and committed results), sequences and number words.
* :mod:`nalu_lib.evaluation`: errors, success criteria and tables.
* :mod:`nalu_lib.models`: small model builders.
* :mod:`nalu_lib.notebook`: what the notebooks call: the Setup cell, figures, widgets, progress.
* :mod:`nalu_lib.classroom`: the teacher's course: student versions, grading.
* :mod:`nalu_lib.checks`: the argument checks every module shares.

Data flows one way: tasks -> units -> engine -> evaluation -> notebook. ``import nalu_lib``
loads nothing and sets no environment variable; each name below loads its module when first
used: ``from nalu_lib import NMU`` loads Keras and the units (on any backend, which registers
them for ``keras.models.load_model``; so does ``import nalu_lib.units``), the trainers load
TensorFlow.
"""

import importlib

__version__ = "0.1.0"

#: Each public name, and the module that defines it (loaded when the name is first used).
_EXPORTS = {
    "NAC": "nalu_lib.units",
    "NALU": "nalu_lib.units",
    "NAU": "nalu_lib.units",
    "NMU": "nalu_lib.units",
    "NPU": "nalu_lib.units",
    "RealNPU": "nalu_lib.units",
    "INALU": "nalu_lib.units",
    "RecurrentNAC": "nalu_lib.units",
    "RecurrentNALU": "nalu_lib.units",
    "SparsitySchedule": "nalu_lib.units",
    "Ensemble": "nalu_lib.engine",
    "TrainLog": "nalu_lib.engine",
    "default_optimizer": "nalu_lib.engine",
    "seed_everything": "nalu_lib.engine",
    "train": "nalu_lib.engine",
    "train_many": "nalu_lib.engine",
    "check_versions": "nalu_lib.notebook.setup",
    "notebook_setup": "nalu_lib.notebook.setup",
}
_SUBMODULES = {"checks", "classroom", "engine", "evaluation", "models", "notebook", "tasks", "units"}

#: What ``from nalu_lib import *`` takes: the units, which load on any backend (the trainers,
#: which need TensorFlow, are imported by name).
__all__ = ["__version__", *(name for name, module in _EXPORTS.items() if module == "nalu_lib.units")]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"nalu_lib.{name}")
    else:
        raise AttributeError(f"module 'nalu_lib' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})
