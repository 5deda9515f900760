"""What every unit shares: :class:`ArithmeticUnit`, the one matrix product, and small helpers.

A unit keeps its maths in ``compute(x, *weights)``, which takes its weights explicitly: ``call``
passes the layer's own variables, and :func:`nalu_lib.train_many` passes stacks of weights, one
slice per seed (``docs/design.md``).
"""

from __future__ import annotations

import copy
from typing import Any

import keras
import numpy as np
from keras import ops

from nalu_lib.checks import check_integer

#: What the maths functions take and return: a backend tensor, a Keras variable or an array.
Tensor = Any

__all__ = [
    "SMALL_CONTRACTION",
    "ArithmeticUnit",
    "Tensor",
    "batched_matmul",
    "float32_if_16_bit",
    "fresh_initializer",
    "known_input_dim",
    "sum_of_products",
]

#: The 16-bit float types of Keras's mixed-precision policies.
_HALF = ("float16", "bfloat16")


def batched_matmul(x: Tensor, W: Tensor) -> Tensor:
    """``x @ W``, also for a stack of weights, one per seed, applied to shared inputs.

    With ``W`` of shape ``(input_dim, units)`` this is ``ops.matmul``. With a stack ``W`` of shape
    ``(seeds, input_dim, units)`` and inputs ``x`` of shape ``(n, input_dim)`` shared by every
    seed, it returns ``(seeds, n, units)`` computed as ONE matrix product with a
    ``(seeds * units, input_dim)`` matrix, rather than one small product per seed: this is what
    makes :func:`nalu_lib.train_many` fast (notebook 04). A stack of weights with at most
    :data:`SMALL_CONTRACTION` inputs (a second layer after 2 hidden units) is applied as a sum of
    products, one per input: a batch of tiny matrix products costs more than that.
    """
    if len(W.shape) == 3 and W.shape[1] is not None and W.shape[1] <= SMALL_CONTRACTION:
        return sum_of_products(x, W, lambda xi, wi: xi * wi)
    if len(W.shape) == 3 and len(x.shape) == 2:
        # (seeds * units, input_dim) @ (input_dim, n): each seed's units are rows of the result,
        # so only its two small last axes are swapped afterwards
        seeds, input_dim, units = W.shape
        tall = ops.reshape(ops.transpose(W, (0, 2, 1)), (seeds * units, input_dim))
        out = ops.reshape(ops.matmul(tall, ops.transpose(x)), (seeds, units, -1))
        return ops.transpose(out, (0, 2, 1))
    return ops.matmul(x, W)


#: The most inputs for which :func:`batched_matmul` multiplies a stack of weights input by input.
SMALL_CONTRACTION = 4


def sum_of_products(x: Tensor, W: Tensor, term, combine=None) -> Tensor:
    """``combine`` over ``i`` of ``term(x_i, W_i)``, for a stack ``W`` of shape ``(seeds,
    input_dim, units)`` and ``x`` of shape ``(n, input_dim)`` or ``(seeds, n, input_dim)``:
    ``x_i`` is ``x[..., i]`` with a units axis, ``W_i`` is row ``i`` of every seed's weight,
    broadcast to ``(seeds, n, units)``. ``combine`` defaults to a sum, for ``x @ W``; the NMU
    multiplies. Unrolled over the inputs, so only for a few (:data:`SMALL_CONTRACTION`)."""
    combine = combine or (lambda a, b: a + b)
    out = None
    for i in range(W.shape[1]):
        wi = ops.expand_dims(W[:, i, :], 1)  # (seeds, 1, units)
        xi = x[..., i : i + 1]  # (n, 1) or (seeds, n, 1)
        value = term(xi, wi)
        out = value if out is None else combine(out, value)
    return out


def fresh_initializer(identifier) -> keras.initializers.Initializer:
    """``keras.initializers.get(identifier)``, as a new object for every weight.

    One initializer object passed for several weights (``init = TruncatedNormal(stddev=0.02)``,
    then ``w_hat_initializer=init, m_hat_initializer=init``) would otherwise draw the same values
    for all of them: an unseeded Keras initializer fixes its seed when it is created. A copy per
    weight draws independently, as the article's ``tf.truncated_normal`` calls do. A seed the
    caller set explicitly is kept.
    """
    if isinstance(identifier, keras.initializers.Initializer):
        try:
            return identifier.__class__.from_config(identifier.get_config())
        except TypeError:  # a custom initializer whose config does not rebuild it: a copy instead
            return copy.deepcopy(identifier)
    return keras.initializers.get(identifier)  # a name or a config: a new object already


def float32_if_16_bit(kwargs: dict) -> dict:
    """``kwargs`` of a layer, with ``dtype="float32"`` where its policy (given, or Keras's global
    one) would compute in a 16-bit float: for the units whose results overflow float16 (a
    product passes 65504 at 300 x 300). See ``docs/design.md``."""
    identifier = kwargs.get("dtype")
    policy = keras.config.dtype_policy() if identifier is None else keras.dtype_policies.get(identifier)
    if policy.compute_dtype in _HALF:
        kwargs = {**kwargs, "dtype": "float32"}
    return kwargs


def known_input_dim(input_shape) -> int:
    """The last axis of ``input_shape``, or a ValueError if it is unknown (every layer builds on it)."""
    dim = input_shape[-1]
    if dim is None:
        raise ValueError(f"the last axis of the input (input_dim) must be known, got input shape {input_shape}")
    return int(dim)


class ArithmeticUnit(keras.layers.Layer):
    """The base of every nalu_lib unit: a layer of ``units`` outputs whose maths takes explicit weights.

    A subclass lists its trainable weights in ``weight_specs`` as ``(weight name, initializer
    attribute)`` in creation order, each of shape ``(input_dim, units)``, and defines
    :meth:`compute` and ``_effective_weight``. Each weight is then a read-only attribute
    (``layer.W_hat``) that raises ``AttributeError`` before the layer is built, as Keras's
    ``Dense.kernel`` does. The trainers use the public methods only: :meth:`compute`,
    :meth:`weight_initializers` and :meth:`penalty`. Written in ``keras.ops``: every Keras
    backend runs it.
    """

    #: ``(weight name, initializer attribute)`` in the order the weights are created.
    weight_specs: tuple[tuple[str, str], ...] = ()
    #: Whether the unit computes in float32 where its dtype policy would use a 16-bit float.
    float32_only: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, _ in cls.weight_specs:
            if not isinstance(cls.__dict__.get(name), property):
                setattr(cls, name, property(lambda self, name=name: self._unit_weight(name)))

    def __init__(self, units: int, **kwargs):
        super().__init__(**(float32_if_16_bit(kwargs) if self.float32_only else kwargs))
        self.units = check_integer("units", units, minimum=1)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def __getattr__(self, name: str):
        # Reached only when normal lookup fails. A weight's property raises AttributeError before
        # the layer is built; say why. Anything else goes to the parent's lookup (under Keras's
        # PyTorch backend a layer is a torch.nn.Module, whose __getattr__ finds its parameters).
        if name in {weight for weight, _ in type(self).weight_specs} or name == "W":
            raise AttributeError(
                f"{type(self).__name__} '{self.__dict__.get('name', '?')}' has no weight {name!r} yet: "
                "call it on data or build it first"
            )
        parent = getattr(super(), "__getattr__", None)
        if parent is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return parent(name)

    def _unit_weight(self, name: str):
        weights = self.__dict__.get("_unit_weights") or {}
        if name not in weights:
            raise AttributeError(
                f"{type(self).__name__} '{self.name}' has no weight {name!r} yet: call it on data or build it first"
            )
        return weights[name]

    def build(self, input_shape):
        input_dim = known_input_dim(input_shape)
        weights = {}
        for name, init_attr in self.weight_specs:
            weights[name] = self.add_weight(
                name=name,
                shape=(input_dim, self.units),
                initializer=getattr(self, init_attr),
                constraint=self._constraint(name),
                trainable=True,
            )
        # a plain dict, set past Keras's attribute tracking (add_weight already tracks the variables)
        object.__setattr__(self, "_unit_weights", weights)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: input_dim})

    def weight_initializers(self) -> list:
        """The initializer of each trainable weight, in the order of ``trainable_weights``."""
        return [getattr(self, init_attr) for _, init_attr in self.weight_specs]

    def compute(self, x, *weights):
        """The layer's output for inputs ``x`` and explicit weights (a stack per seed works too)."""
        raise NotImplementedError

    def penalty(self, *weights, step):
        """The unit's regulariser for explicit weights at optimizer ``step``; ``None`` if it has none."""
        return None

    def _constraint(self, name: str):
        """The constraint the optimizer applies to weight ``name`` after each step (none here)."""
        return None

    def call(self, inputs):
        return self.compute(inputs, *self._own_weights())

    def _own_weights(self) -> list:
        return [self._unit_weight(name) for name, _ in self.weight_specs]

    def effective_weight(self, *weights) -> Tensor:
        """The matrix the inputs are multiplied by, as a tensor: from the layer's own weights, or
        from explicit ``weights``. Works inside a compiled function; :attr:`W` is its numpy copy."""
        return ops.convert_to_tensor(self._effective_weight(*(weights or self._own_weights())))

    def _effective_weight(self, *weights) -> Tensor:
        raise NotImplementedError

    @property
    def W(self) -> np.ndarray:
        """The effective weight, shape ``(input_dim, units)``, as a read-only numpy array.

        The same meaning on every unit: the matrix the inputs are multiplied by (through the
        log space too, for the NALU; as exponents, for the NMU). Read it with
        ``layer.W.ravel()``; inside a compiled function use :meth:`effective_weight`; train or
        assign the trainable weights instead (``W_hat``, ``M_hat``, ``G``; the NAU's and NMU's
        ``kernel``).
        """
        if not self.built:
            raise AttributeError(
                f"{type(self).__name__} '{self.name}' has no weight 'W' yet: call it on data or build it first"
            )
        W = np.array(ops.convert_to_numpy(self.effective_weight()))
        W.flags.writeable = False
        return W

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[:-1]), self.units)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        for _, init_attr in self.weight_specs:
            config[init_attr] = keras.initializers.serialize(getattr(self, init_attr))
        return config
