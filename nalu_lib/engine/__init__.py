"""The TensorFlow training engine: whole training runs inside one compiled graph.

* :mod:`~nalu_lib.engine.seeding`: seeds, and initial weights that depend on the seed alone.
* :mod:`~nalu_lib.engine.optimizers`: the series' Adam.
* :mod:`~nalu_lib.engine.batches`: checked data, hashed mini-batches, data streams.
* :mod:`~nalu_lib.engine.loop`: :func:`run_steps`, the compiled loop both trainers share.
* :mod:`~nalu_lib.engine.train`: :func:`train`, one model (notebook 02).
* :mod:`~nalu_lib.engine.train_many`: :func:`train_many`, one model per seed in one graph
  (notebooks 01, 03 and 04).
"""

import keras

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        f"nalu_lib's trainers (train, train_many) need Keras's TensorFlow backend, not {keras.backend.backend()!r}: "
        "set KERAS_BACKEND=tensorflow, or train nalu_lib's layers with model.fit"
    )
try:
    import tensorflow  # noqa: F401
except ImportError:
    raise ImportError("nalu_lib's trainers (train, train_many) need TensorFlow: pip install tensorflow") from None

from nalu_lib.engine.loop import TrainLog
from nalu_lib.engine.optimizers import default_optimizer
from nalu_lib.engine.seeding import seed_everything
from nalu_lib.engine.train import train
from nalu_lib.engine.train_many import Ensemble, train_many

__all__ = ["Ensemble", "TrainLog", "default_optimizer", "seed_everything", "train", "train_many"]
