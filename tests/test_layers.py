"""The NAC and NALU layers: formulas, gradients, finiteness, serialisation, bad arguments; and what all
four arithmetic layers share: one meaning of ``W``, Keras's unbuilt-layer contract, exact gradients."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from nalu_lib import NAC, NALU, NAU, NMU
from nalu_lib.units import nac_weight


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _set(layer, input_dim, **weights):
    layer.build((None, input_dim))
    for name, value in weights.items():
        getattr(layer, name).assign(np.asarray(value, dtype=np.float32))
    return layer


RNG = np.random.default_rng(1)
W_HAT = RNG.normal(size=(3, 2)).astype(np.float32)
M_HAT = RNG.normal(size=(3, 2)).astype(np.float32)
G = RNG.normal(scale=0.3, size=(3, 2)).astype(np.float32)
X = RNG.uniform(-3, 3, size=(5, 3)).astype(np.float32)


def test_nac_equals_formula():
    layer = _set(NAC(2), 3, W_hat=W_HAT, M_hat=M_HAT)
    W = np.tanh(W_HAT) * _sigmoid(M_HAT)
    np.testing.assert_allclose(layer.W, W, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(X)), X @ W, rtol=1e-5, atol=1e-6)


def test_nalu_equals_formula():
    layer = _set(NALU(2), 3, W_hat=W_HAT, M_hat=M_HAT, G=G)
    W = np.tanh(W_HAT.astype(np.float64)) * _sigmoid(M_HAT.astype(np.float64))
    a = X @ W
    m = np.exp(np.log(np.abs(X.astype(np.float64)) + 1e-7) @ W)
    g = _sigmoid(X @ G.astype(np.float64))
    np.testing.assert_allclose(np.asarray(layer(X)), g * a + (1 - g) * m, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.gate(X), g, rtol=1e-5, atol=1e-6)


def test_weights_order_names_and_shapes():
    nac = _set(NAC(4), 3)
    assert [w.name for w in nac.trainable_weights] == ["W_hat", "M_hat"]
    nalu = _set(NALU(4), 3)
    assert [w.name for w in nalu.trainable_weights] == ["W_hat", "M_hat", "G"]
    assert all(tuple(w.shape) == (3, 4) for w in nalu.trainable_weights)


def test_effective_weight_is_recomputed_every_call():
    layer = _set(NAC(1), 2, W_hat=[[0.0], [0.0]], M_hat=[[0.0], [0.0]])
    x = np.ones((1, 2), np.float32)
    assert float(np.asarray(layer(x))[0, 0]) == 0.0
    layer.W_hat.assign(np.full((2, 1), 20.0, np.float32))
    layer.M_hat.assign(np.full((2, 1), 20.0, np.float32))
    assert float(np.asarray(layer(x))[0, 0]) == 2.0  # a cached W would still give 0


def test_exact_weights_add_and_multiply_exactly():
    big = np.float32(30.0)
    nac = _set(NAC(1), 2, W_hat=[[big], [big]], M_hat=[[big], [big]])
    x = np.array([[1e6, 2e6], [12345.0, 678.0]], np.float32)
    np.testing.assert_array_equal(np.asarray(nac(x))[:, 0], x[:, 0] + x[:, 1])
    nalu = _set(NALU(1), 2, W_hat=[[big], [big]], M_hat=[[big], [big]], G=[[-big], [-big]])
    x = np.array([[1.5e5, 1.2e5], [1000.0, 1004.0]], np.float32)
    rel = np.abs(np.asarray(nalu(x))[:, 0] - x[:, 0].astype(np.float64) * x[:, 1]) / (x[:, 0] * x[:, 1])
    assert np.max(rel) < 1e-7  # the float64 log path leaves only float32 rounding of the result


def test_inputs_with_extra_leading_axes():
    layer = NALU(3)
    out = layer(np.ones((4, 5, 2), np.float32))
    assert tuple(out.shape) == (4, 5, 3)
    assert layer.compute_output_shape((None, 5, 2)) == (None, 5, 3)


@pytest.mark.parametrize("log_space_dtype", ["float64", None])
def test_nalu_finite_on_zeros_and_negatives(log_space_dtype):
    layer = _set(
        NALU(2, log_space_dtype=log_space_dtype),
        8,
        W_hat=np.full((8, 2), -30.0),
        M_hat=np.full((8, 2), 30.0),
        G=np.zeros((8, 2)),
    )  # W = -1 everywhere: divide by eight zeros
    x = np.concatenate([np.zeros((2, 8)), -np.ones((2, 8)), np.full((2, 8), -1e-30)]).astype(np.float32)
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_sum(y)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert np.all(np.isfinite(np.asarray(y)))
    assert all(np.all(np.isfinite(np.asarray(g))) for g in grads)


@pytest.mark.parametrize("layer_cls", [NAC, NALU])
def test_gradients_finite_and_nonzero(layer_cls):
    layer = layer_cls(2)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(layer(x) ** 2)
    grads = tape.gradient(loss, layer.trainable_weights)
    for g in grads:
        g = np.asarray(g)
        assert np.all(np.isfinite(g)) and np.any(g != 0)


def _nac_formula(x, W_hat, M_hat):
    """The NAC of the paper in float64 numpy: ``x @ (tanh(W_hat) * sigmoid(M_hat))``."""
    W_hat, M_hat = (np.asarray(w, np.float64) for w in (W_hat, M_hat))
    return np.asarray(x, np.float64) @ (np.tanh(W_hat) * _sigmoid(M_hat))


def _nalu_formula(x, W_hat, M_hat, G, epsilon=1e-7):
    """The NALU of the paper in float64 numpy: ``g * x @ W + (1 - g) * exp(log(|x| + eps) @ W)``,
    ``W = tanh(W_hat) * sigmoid(M_hat)``, ``g = sigmoid(x @ G)``."""
    x = np.asarray(x, np.float64)
    W = np.tanh(np.asarray(W_hat, np.float64)) * _sigmoid(np.asarray(M_hat, np.float64))
    g = _sigmoid(x @ np.asarray(G, np.float64))
    return g * (x @ W) + (1 - g) * np.exp(np.log(np.abs(x) + epsilon) @ W)


def _raw_weights(layer):
    return [np.asarray(w) for w in layer.trainable_weights]


def _saved_nac_nalu_model(path):
    """A NAC feeding a NALU, every raw weight (the gate's ``G`` too) set away from its
    initialiser, saved to ``path``; returns the model."""
    rng = np.random.default_rng(7)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, NALU(2, name="nalu")(NAC(3, name="nac")(inputs)))
    for weight in model.trainable_weights:
        weight.assign(rng.normal(scale=0.8, size=weight.shape).astype(np.float32))
    model.save(path)
    return model


#: Inputs with negative, small and large entries, on which the formulas' paths all differ.
X_SIGNED = np.array([[-2.5, 0.3, 1.7], [4.0, -0.7, -3.2], [0.05, 2.2, -1.1], [-30.0, 12.0, 0.5]], np.float32)


@pytest.mark.parametrize("layer_cls", [NAC, NALU])
def test_reloaded_layer_computes_the_papers_formula_from_its_reloaded_weights(tmp_path, layer_cls):
    rng = np.random.default_rng(3)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer_cls(2, name="unit")(inputs))
    for weight in model.trainable_weights:  # G too: at its zero start every gate is 0.5 whatever x
        weight.assign(rng.normal(scale=0.8, size=weight.shape).astype(np.float32))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")  # no custom_objects: the layers are registered
    unit = loaded.get_layer("unit")
    assert type(unit) is layer_cls and unit.get_config() == model.get_layer("unit").get_config()
    raw = _raw_weights(unit)
    for saved, reloaded in zip(_raw_weights(model.get_layer("unit")), raw, strict=True):
        np.testing.assert_array_equal(reloaded, saved)
    formula = _nac_formula if layer_cls is NAC else _nalu_formula
    expected = formula(X_SIGNED, *raw)
    np.testing.assert_allclose(np.asarray(loaded(X_SIGNED)), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(loaded(X_SIGNED)), np.asarray(model(X_SIGNED)))
    if layer_cls is NALU:
        gate = _sigmoid(X_SIGNED.astype(np.float64) @ raw[2].astype(np.float64))
        assert np.ptp(gate) > 0.5  # the gate really varies with x on these inputs
        np.testing.assert_allclose(unit.gate(X_SIGNED), gate, rtol=1e-5, atol=1e-6)


_LOAD_IN_A_NEW_PROCESS = """
import json, sys
import keras
import numpy as np

path, x_path = sys.argv[1], sys.argv[2]
x = np.load(x_path)
try:  # before nalu_lib.units is imported Keras does not know its layers
    keras.models.load_model(path)
    without = None
except Exception as error:
    without = f"{type(error).__name__}: {error}"
import nalu_lib.units  # registers the units

model = keras.models.load_model(path)
print(json.dumps({
    "without": without,
    "layers": [type(layer).__name__ for layer in model.layers],
    "prediction": np.asarray(model(x), np.float64).tolist(),
}))
"""


def test_a_model_saved_here_loads_in_a_new_process_once_the_units_are_imported(tmp_path):
    # in this process the classes are registered already; a user loads in a fresh one
    model = _saved_nac_nalu_model(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", X_SIGNED)
    script = tmp_path / "load.py"
    script.write_text(_LOAD_IN_A_NEW_PROCESS)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "model.keras"), str(tmp_path / "x.npy")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # without the import, loading fails for want of the class: the import is what makes it work
    assert report["without"] is not None and "NAC" in report["without"], report["without"]
    assert report["layers"][1:] == ["NAC", "NALU"]
    prediction = np.asarray(report["prediction"], np.float32)
    np.testing.assert_array_equal(prediction, np.asarray(model(X_SIGNED)))
    nac, nalu = model.get_layer("nac"), model.get_layer("nalu")
    expected = _nalu_formula(_nac_formula(X_SIGNED, *_raw_weights(nac)), *_raw_weights(nalu))
    np.testing.assert_allclose(prediction, expected, rtol=1e-5, atol=1e-5)


def test_config_is_complete():
    layer = NALU(
        3,
        epsilon=1e-5,
        w_hat_initializer=keras.initializers.RandomUniform(-2, 2),
        g_initializer="ones",
        log_space_dtype=None,
        name="n",
    )
    clone = NALU.from_config(layer.get_config())
    assert clone.units == 3 and clone.epsilon == 1e-5 and clone.log_space_dtype is None
    assert isinstance(clone.w_hat_initializer, keras.initializers.RandomUniform)
    assert clone.w_hat_initializer.get_config() == layer.w_hat_initializer.get_config()
    assert isinstance(clone.g_initializer, keras.initializers.Ones)


def test_fit_in_a_sequential_model_saturates_W_to_exactly_one_and_minus_one():
    # W = tanh(W_hat) * sigmoid(M_hat) is exactly +-1 in float32 only once W_hat and M_hat have
    # grown large (about 8 and 17); a plain weight matrix would only jitter around +-1
    keras.utils.set_random_seed(0)
    layer = NAC(1)
    model = keras.Sequential([keras.Input((2,)), layer])
    # beta_2 = 0.9 and a tiny epsilon keep Adam's steps near the learning rate as the gradients shrink
    model.compile(optimizer=keras.optimizers.Adam(0.1, beta_2=0.9, epsilon=1e-30), loss="mse")
    x = np.random.default_rng(0).uniform(-2, 2, (9600, 2)).astype(np.float32)
    model.fit(x, x[:, :1] - x[:, 1:], epochs=1, batch_size=8, verbose=0)  # 1200 steps
    np.testing.assert_array_equal(layer.W.ravel(), [1.0, -1.0])
    W_hat, M_hat = (np.asarray(w, np.float64).ravel() for w in (layer.W_hat, layer.M_hat))
    np.testing.assert_allclose(np.tanh(W_hat) * _sigmoid(M_hat), [1.0, -1.0], atol=1e-6)
    far = np.array([[1e5, -3e4], [-12345.0, 678.0], [-7e6, -2e6]], np.float32)
    np.testing.assert_array_equal(model.predict(far, verbose=0).ravel(), far[:, 0] - far[:, 1])


def test_nac_weight_saturates_to_exactly_minus_one_zero_and_one_in_float32():
    W_hat = np.array([-30.0, 30.0, 30.0, 0.0], np.float32)
    M_hat = np.array([30.0, 30.0, -200.0, 30.0], np.float32)
    np.testing.assert_array_equal(np.asarray(nac_weight(W_hat, M_hat)), [-1.0, 1.0, 0.0, 0.0])
    inside = np.asarray(nac_weight(np.float32(1.0), np.float32(0.0)))
    assert abs(inside - np.tanh(1.0) * 0.5) < 1e-6


@pytest.mark.parametrize("units", [0, -1, 1.5, "2", True, None])
def test_bad_units(units):
    for layer_cls in (NAC, NALU):
        with pytest.raises(ValueError, match="units"):
            layer_cls(units)


@pytest.mark.parametrize("epsilon", [-1e-7, 0.0, float("nan"), float("inf"), "1e-7"])
def test_bad_epsilon(epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        NALU(1, epsilon=epsilon)


def test_bad_log_space_dtype_and_unknown_input_dim():
    with pytest.raises(ValueError, match="log_space_dtype"):
        NALU(1, log_space_dtype="int32")
    with pytest.raises(ValueError, match="input_dim"):
        NAC(1).build((None, None))
    with pytest.raises(AttributeError, match="no weight 'W' yet: call it on data or build it first"):
        _ = NAC(1).W


# --------------------------------------------------------------------------- all four layers

ALL_LAYERS = {
    NAC: ("W_hat", "M_hat"),
    NALU: ("W_hat", "M_hat", "G"),
    NAU: ("kernel",),
    NMU: ("kernel",),
}


@pytest.mark.parametrize("layer_cls", list(ALL_LAYERS), ids=lambda c: c.__name__)
def test_W_is_the_effective_weight_as_a_read_only_numpy_array(layer_cls):
    layer = layer_cls(2)
    layer.build((None, 3))
    W = layer.W
    assert type(W) is np.ndarray and W.shape == (3, 2) and W.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(layer.W), W.ravel().reshape(3, 2))
    expected = layer.effective_weight(*(getattr(layer, name) for name in ALL_LAYERS[layer_cls]))
    np.testing.assert_array_equal(W, np.asarray(expected))
    x = np.eye(3, dtype=np.float32)  # one-hot inputs: the NAC, NAU and NMU read W off their output
    if layer_cls in (NAC, NAU):
        np.testing.assert_allclose(np.asarray(layer(x)), W, rtol=1e-6)
    if layer_cls is NMU:
        # x_i = 2 and the other inputs 1: every other factor is W + 1 - W = 1, this one 1 + W
        np.testing.assert_allclose(np.asarray(layer(1 + x)), 1 + W, rtol=1e-6)
    with pytest.raises(ValueError):
        W[0, 0] = 5.0  # read-only: writing into it would not change the layer
    with pytest.raises(AttributeError):
        layer.W = np.zeros((3, 2))


@pytest.mark.parametrize("layer_cls", list(ALL_LAYERS), ids=lambda c: c.__name__)
def test_unbuilt_weights_raise_attribute_error_like_keras(layer_cls):
    layer = layer_cls(1)
    for name in ("W", *ALL_LAYERS[layer_cls]):
        assert not hasattr(layer, name)
        assert getattr(layer, name, "default") == "default"
        with pytest.raises(AttributeError, match=f"no weight '{name}' yet: call it on data or build it first"):
            getattr(layer, name)
    assert not hasattr(keras.layers.Dense(1), "kernel")  # the contract we follow
    with pytest.raises(AttributeError, match="no attribute 'not_a_weight'"):
        _ = layer.not_a_weight
    layer.build((None, 2))
    assert all(hasattr(layer, name) for name in ("W", *ALL_LAYERS[layer_cls]))


@pytest.mark.parametrize("layer_cls", list(ALL_LAYERS), ids=lambda c: c.__name__)
def test_gradients_match_central_differences_in_float64(layer_cls):
    rng = np.random.default_rng(4)
    layer = layer_cls(2, dtype="float64")
    # inputs away from 0 (the NALU takes log |x|); NMU weights inside (0, 1), others in (-1, 1)
    x = rng.uniform(0.5, 2.0, (4, 3)) * rng.choice([-1.0, 1.0], (4, 3))
    low = 0.0 if layer_cls is NMU else -1.0
    weights = [rng.uniform(low, 1.0, (3, 2)) for _ in ALL_LAYERS[layer_cls]]
    direction = rng.normal(size=(4, 2))  # a random linear read-out of the outputs

    def f(x, *weights):
        return tf.reduce_sum(layer.compute(x, *weights) * direction)

    args = [tf.constant(a, tf.float64) for a in (x, *weights)]
    with tf.GradientTape() as tape:
        tape.watch(args)
        value = f(*args)
    grads = tape.gradient(value, args)
    h = 1e-6
    for i, arg in enumerate(args):
        numeric = np.zeros(arg.shape)
        for index in np.ndindex(*arg.shape):
            step = np.zeros(arg.shape)
            step[index] = h
            plus = [a + step if j == i else a for j, a in enumerate(args)]
            minus = [a - step if j == i else a for j, a in enumerate(args)]
            numeric[index] = (float(f(*plus)) - float(f(*minus))) / (2 * h)
        assert np.any(numeric != 0)
        np.testing.assert_allclose(np.asarray(grads[i]), numeric, rtol=1e-6, atol=1e-8)
