"""Small model builders shared by the notebooks and benchmarks.

Each returns an unbuilt ``keras.Sequential``, so :func:`nalu_lib.train` and
:func:`nalu_lib.train_many` build it after seeding.
"""

from __future__ import annotations

import keras

from nalu_lib.units import NAC, NALU, NAU, NMU

__all__ = ["mlp", "stacked"]


def mlp(
    hidden: tuple[int, ...] = (8, 8, 8), activation: str | None = "relu", units: int = 1, name: str | None = None
) -> keras.Sequential:
    """A multilayer perceptron: ``Dense`` hidden layers with ``activation``, then a linear output.

    ``hidden`` lists the hidden layers' widths, ``units`` the outputs, ``name`` the model's name
    (default ``mlp_<activation>``). The default is the paper's Figure 1 network (three hidden
    layers of 8 units), taught in notebook 01. ``activation=None`` gives a deep linear network.
    """
    layers = [keras.layers.Dense(width, activation=activation) for width in hidden]
    layers.append(keras.layers.Dense(units))
    return keras.Sequential(layers, name=name or f"mlp_{activation or 'linear'}")


def stacked(layer: str, units: tuple[int, ...] = (2, 1), **kwargs) -> keras.Sequential:
    """Arithmetic layers in a row: ``stacked("nalu", (2, 1))`` is the paper's two-layer NALU.

    ``layer`` is ``"nac"``, ``"nalu"``, ``"nau"`` or ``"nmu"``; ``units`` lists each layer's
    outputs; ``kwargs`` go to every layer. Notebook 04's models
    (:data:`nalu_lib.tasks.static_task.benchmark.MODELS`) use it. (Madsen & Johansen's
    NAU-then-NMU network mixes two kinds of layer: build it as
    ``keras.Sequential([NAU(2), NMU(1)])``.)
    """
    classes = {"nac": NAC, "nalu": NALU, "nau": NAU, "nmu": NMU}
    if layer not in classes:
        raise ValueError(f"layer must be one of {sorted(classes)}, got layer={layer!r}")
    if not units:
        raise ValueError("units must list at least one layer size")
    return keras.Sequential([classes[layer](u, **kwargs) for u in units], name=f"{layer}_{len(units)}_layers")
