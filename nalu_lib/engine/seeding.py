"""Seeding: the same seed gives the same initial weights, batches and results on every machine.

:func:`seed_everything` is what a notebook's Setup cell calls (through
:func:`nalu_lib.notebook_setup`); :func:`seeded_model` is how :func:`nalu_lib.train` and
:func:`nalu_lib.train_many` make a model's initial weights a function of its seed alone.
"""

from __future__ import annotations

import random

import keras
import numpy as np
import tensorflow as tf

from nalu_lib.checks import check_integer

__all__ = ["reseed_initializers", "seed_everything", "seeded_model"]


def seed_everything(seed: int = 42) -> int:
    """Make every run with the same ``seed`` compute the same numbers; returns ``seed``.

    Seeds Python, numpy, TensorFlow and Keras (``keras.utils.set_random_seed``), asks
    TensorFlow for deterministic ops, and runs TensorFlow on one thread where it is not yet
    running: the series' models are tiny, one thread is as fast, and it keeps sums in the same
    order on a laptop, a 2-core CI machine and Binder's single CPU. Every notebook's Setup cell
    calls it through :func:`nalu_lib.notebook_setup`; notebook 02 explains seeds.
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
    """Give the unseeded random initializers of ``model``'s unbuilt layers seeds drawn now.

    A Keras initializer created without a seed draws one from Python's ``random`` when it is
    *created*, so ``NAC(1)`` made before ``set_random_seed`` would ignore the seed. Drawing again
    after seeding makes the initial weights depend on the seed alone. With ``built_too``, built
    layers are reseeded as well (:func:`nalu_lib.train_many` draws every seed's weights from one
    template model). No notebook calls it; the trainers do.
    """
    for layer in model._flatten_layers(include_self=True):
        if layer.built and not built_too:
            continue
        for value in vars(layer).values():
            if isinstance(value, keras.initializers.Initializer) and getattr(value, "_init_seed", 0) is None:
                value.seed = random.randint(1, int(1e9))


def seeded_model(model, x: np.ndarray, seed: int | None, y_width: int | None = None) -> keras.Model:
    """Build (or take) ``model``, its initial weights a function of ``seed`` alone.

    Args:
        model: A Keras model or layer, or a function that returns one. An unbuilt model is
            built on ``x[:1]`` after seeding; a built one keeps its weights.
        x: Inputs the model is built and checked on.
        seed: Seeds Python, numpy, TensorFlow and Keras first; ``None`` leaves them as they are.
        y_width: The number of outputs the model must have (a ValueError otherwise), or ``None``.

    No notebook calls it; :func:`nalu_lib.train`, :func:`nalu_lib.train_many` and
    :func:`nalu_lib.evaluation.initial_model` do.
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
        model(x[:1])
    if not model.trainable_variables:
        raise ValueError("model has no trainable weights")
    width = model(x[:1]).shape[-1]
    if y_width is not None and width != y_width:
        raise ValueError(
            f"the model has {width} output(s) per example but y has {y_width} column(s): shapes must match"
        )
    return model
