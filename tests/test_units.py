"""The NAU and NMU (Madsen & Johansen, 2020): formulas, clipping, regulariser, serialisation,
bad arguments, and that train() and train_many() make them add, subtract and multiply."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import nalu_lib
from nalu_lib import NAU, NMU, train, train_many
from nalu_lib.evaluation import max_relative_error
from nalu_lib.models import stacked
from nalu_lib.tasks import random_pairs
from nalu_lib.units import Clip, NAUUniform, SparsitySchedule, sparsity_regularizer, sparsity_schedule


def _set(layer, input_dim, W):
    layer.build((None, input_dim))
    layer.kernel.assign(np.asarray(W, dtype=np.float32))
    return layer


RNG = np.random.default_rng(2)
X = RNG.uniform(-3, 3, size=(6, 3)).astype(np.float32)
W_NAU = RNG.uniform(-1, 1, size=(3, 2)).astype(np.float32)
W_NMU = RNG.uniform(0, 1, size=(3, 2)).astype(np.float32)


def _nmu_formula(x, W):
    x = np.asarray(x, np.float64)
    W = np.asarray(W, np.float64)
    return np.prod(W[None, :, :] * x[:, :, None] + 1 - W[None, :, :], axis=1)


# --------------------------------------------------------------------------- formulas


def test_nau_equals_formula():
    layer = _set(NAU(2), 3, W_NAU)
    np.testing.assert_allclose(np.asarray(layer(X)), X.astype(np.float64) @ W_NAU, rtol=1e-5, atol=1e-6)


def test_nmu_equals_formula():
    layer = _set(NMU(2), 3, W_NMU)
    np.testing.assert_allclose(np.asarray(layer(X)), _nmu_formula(X, W_NMU), rtol=1e-5, atol=1e-6)


def test_exact_weights_add_subtract_and_multiply_exactly():
    x = np.array([[1e6, 2e6], [-12345.0, 678.0], [1e-8, 3.0], [0.0, -7.0]], np.float32)
    nau = _set(NAU(1), 2, [[1.0], [-1.0]])
    np.testing.assert_array_equal(np.asarray(nau(x))[:, 0], x[:, 0] - x[:, 1])
    nmu = _set(NMU(1), 2, [[1.0], [1.0]])
    # W * x + (1 - W) is x exactly for W = 1, so even 1e-8 * 3 comes out right
    np.testing.assert_array_equal(np.asarray(nmu(x))[:, 0], x[:, 0] * x[:, 1])
    picks_first = _set(NMU(1), 2, [[1.0], [0.0]])
    np.testing.assert_array_equal(np.asarray(picks_first(x))[:, 0], x[:, 0])


def test_inputs_with_extra_leading_axes():
    for layer in (NAU(3), NMU(3)):
        out = layer(np.ones((4, 5, 2), np.float32))
        assert tuple(out.shape) == (4, 5, 3)
        assert layer.compute_output_shape((None, 5, 2)) == (None, 5, 3)


def test_compute_with_a_leading_seed_axis_matches_each_seed():
    W = np.stack([W_NMU, 1 - W_NMU, np.full_like(W_NMU, 0.5)])
    for layer, weights in ((NMU(2), W), (NAU(2), 2 * W - 1)):
        layer.build((None, 3))
        batched = np.asarray(layer.compute(tf.constant(X[None]), tf.constant(weights)))
        assert batched.shape == (3, 6, 2)
        for s in range(3):
            np.testing.assert_allclose(batched[s], np.asarray(layer.compute(X, weights[s])), rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 1e7])  # 1e7: products near 1e21 and gradients near 1e28
def test_nmu_finite_on_zeros_negatives_and_large_inputs(scale):
    layer = _set(NMU(2), 4, [[0.0, 1.0], [1.0, 0.5], [0.3, 1.0], [1.0, 0.0]])
    x = scale * np.array([[0, 0, 0, 0], [-1, -2, -3, -4], [0, -5, 2, 0], [-1, 1, -1, 1]], np.float32)
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y)
    grad_w, grad_x = tape.gradient(loss, [layer.kernel, x])
    assert np.all(np.isfinite(np.asarray(y)))
    assert np.all(np.isfinite(np.asarray(grad_w))) and np.all(np.isfinite(np.asarray(grad_x)))
    np.testing.assert_allclose(np.asarray(y), _nmu_formula(np.asarray(x), np.asarray(layer.W)), rtol=1e-6)


@pytest.mark.parametrize("layer_cls", [NAU, NMU])
def test_gradients_finite_and_nonzero(layer_cls):
    layer = layer_cls(2)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(layer(tf.constant(X)) ** 2)
    (grad,) = tape.gradient(loss, layer.trainable_weights)
    assert np.all(np.isfinite(np.asarray(grad))) and np.any(np.asarray(grad) != 0)


# --------------------------------------------------------------------------- weights and initialisation


def test_one_trainable_kernel_clipped_by_a_constraint_and_a_step_count():
    nau = _set(NAU(4), 3, np.zeros((3, 4)))
    nmu = _set(NMU(4), 3, np.zeros((3, 4)))
    for layer, low, high in ((nau, -1.0, 1.0), (nmu, 0.0, 1.0)):
        assert [w.name for w in layer.trainable_weights] == ["kernel"]
        assert [w.name for w in layer.non_trainable_weights] == ["step"]
        assert tuple(layer.kernel.shape) == (3, 4)
        assert isinstance(layer.kernel.constraint, Clip)
        assert (layer.kernel.constraint.min_value, layer.kernel.constraint.max_value) == (low, high)
        layer.set_weights([np.full((3, 4), 0.5)])  # the kernel alone: the step count stays
        assert np.all(layer.W == 0.5) and int(layer.step.numpy()) == 0


def test_initialisation_follows_the_paper():
    keras.utils.set_random_seed(0)
    small = NAU(1)  # r = min(0.5, sqrt(6 / 3)) = 0.5
    small.build((None, 2))
    big = NAU(10)  # r = sqrt(6 / 110)
    big.build((None, 100))
    r = np.sqrt(6 / 110)
    W = np.asarray(big.W)
    assert np.all(np.abs(W) <= r) and np.abs(W).max() > 0.9 * r
    assert np.all(np.abs(np.asarray(small.W)) <= 0.5)
    assert NAUUniform().limit((2, 1)) == 0.5 and NAUUniform().limit((100, 10)) == pytest.approx(r)
    nmu = NMU(50)
    nmu.build((None, 20))
    W = np.asarray(nmu.W)
    assert W.min() >= 0.25 and W.max() <= 0.75 and W.min() < 0.3 and W.max() > 0.7


def test_optimizer_step_keeps_W_in_range():
    for layer, (low, high) in ((NAU(2), (-1, 1)), (NMU(2), (0, 1))):
        layer.build((None, 3))
        optimizer = keras.optimizers.SGD(learning_rate=10.0)
        grad = np.where(np.arange(6).reshape(3, 2) % 2 == 0, 1.0, -1.0).astype(np.float32)
        optimizer.apply_gradients([(tf.constant(grad), layer.kernel)])
        W = np.asarray(layer.W)
        assert W.min() == low and W.max() == high


def test_clip_constraint():
    clip = Clip(-1, 1)
    np.testing.assert_array_equal(np.asarray(clip(tf.constant([-3.0, -0.5, 0.0, 2.0]))), [-1.0, -0.5, 0.0, 1.0])
    assert Clip.from_config(clip.get_config()).get_config() == {"min_value": -1.0, "max_value": 1.0}


# --------------------------------------------------------------------------- the regulariser


def test_sparsity_regularizer_formula():
    W = np.array([[0.2, -0.7], [1.0, 0.0], [-0.5, 0.9]], np.float32)
    expected = np.mean(np.minimum(np.abs(W), 1 - np.abs(W)))
    assert float(sparsity_regularizer(W)) == pytest.approx(expected)
    batched = np.asarray(sparsity_regularizer(np.stack([W, np.zeros_like(W), np.full_like(W, 0.5)])))
    np.testing.assert_allclose(batched, [expected, 0.0, 0.5], rtol=1e-6)


def test_sparsity_schedule_ramps_linearly():
    values = [float(sparsity_schedule(step, 2.0, 100, 200)) for step in (0, 100, 150, 200, 10_000)]
    assert values == [0.0, 0.0, 1.0, 2.0, 2.0]
    assert [float(sparsity_schedule(step, 3.0, 50, 50)) for step in (49, 50)] == [0.0, 3.0]


@pytest.mark.parametrize("layer_cls", [NAU, NMU])
def test_penalty_is_one_value_per_seed(layer_cls):
    layer = layer_cls(2, sparsity=4.0, sparsity_start=10, sparsity_end=30)
    layer.build((None, 3))
    stacked_W = tf.constant(np.stack([W_NMU, 1 - W_NMU, np.zeros_like(W_NMU)]))
    step = tf.constant(20, tf.int32)  # halfway: lambda = 2
    per_seed = np.asarray(layer.penalty(stacked_W, step=step))
    assert per_seed.shape == (3,)
    for s in range(3):
        assert per_seed[s] == pytest.approx(2.0 * float(sparsity_regularizer(stacked_W[s])))
    assert np.asarray(layer.penalty(layer.kernel, step=step)).shape == ()
    assert float(layer.penalty(layer.kernel, step=tf.constant(0))) == 0.0


def test_train_applies_the_penalty():
    # the data alone want W = 0.3; a strong regulariser from step 0 pulls it to 0 instead
    x = np.random.default_rng(0).uniform(-2, 2, (200, 1)).astype(np.float32)
    weights = []
    for sparsity in (0.0, 100.0):
        model = keras.Sequential([NAU(1, sparsity=sparsity, sparsity_start=0, sparsity_end=0)])
        train(model, x, 0.3 * x, steps=300, learning_rate=0.01, seed=0)
        weights.append(float(np.asarray(model.layers[0].W)[0, 0]))
    assert weights[0] == pytest.approx(0.3, abs=0.01)
    assert abs(weights[1]) < 0.05


def _nau_wanting(value, sparsity, x):
    """A one-input NAU starting at W = ``value``, its regulariser at full strength from step 0."""
    layer = NAU(1, sparsity=sparsity, sparsity_start=0, sparsity_end=0)
    model = keras.Sequential([layer])
    model.build((None, 1))
    layer.kernel.assign([[value]])
    return model, layer


def test_fit_adds_the_regulariser_to_the_loss_on_its_schedule():
    x = np.random.default_rng(0).uniform(-2, 2, (64, 2)).astype(np.float32)
    W = np.array([[0.3], [0.6]], np.float32)  # R_sparse = mean(0.3, 0.4) = 0.35
    for sparsity in (0.0, 2.0):
        layer = NAU(1, sparsity=sparsity, sparsity_start=2, sparsity_end=4)
        model = keras.Sequential([layer])
        model.build((None, 2))
        layer.kernel.assign(W)
        model.compile(keras.optimizers.SGD(0.0), "mse")  # weights stay put: the loss is the penalty
        history = model.fit(x, x @ W, epochs=6, batch_size=64, verbose=0, callbacks=[SparsitySchedule()])
        lambdas = np.array([0, 0, 0, 0.5, 1, 1]) * sparsity  # steps 0 to 5, ramp from step 2 to 4
        np.testing.assert_allclose(history.history["loss"], lambdas * 0.35, atol=1e-6)
        assert int(layer.step.numpy()) == 5  # the optimizer's step before the last update
        assert model.predict(x, verbose=0).shape == (64, 1) and int(layer.step.numpy()) == 5


@pytest.mark.parametrize("trainer", ["fit", "train"])
def test_the_regulariser_is_counted_once_and_moves_the_minimum(trainer):
    # loss = mean((w - 0.3)^2 x^2) + lam * w near w = 0.3: the minimum is w = 0.3 - lam / (2 E[x^2])
    x = np.random.default_rng(0).uniform(-2, 2, (256, 1)).astype(np.float32)
    lam = 0.4
    expected = 0.3 - lam / (2 * np.mean(x.astype(np.float64) ** 2))
    model, layer = _nau_wanting(0.3, lam, x)
    if trainer == "fit":
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(x, 0.3 * x, epochs=400, batch_size=256, verbose=0)
    else:
        train(model, x, 0.3 * x, steps=400, optimizer=keras.optimizers.SGD(0.1))
    assert float(layer.W[0, 0]) == pytest.approx(expected, abs=1e-4)


def test_a_training_call_adds_the_penalty_and_an_inference_call_does_not_and_neither_counts():
    layer = NAU(1, sparsity=2.0, sparsity_start=0, sparsity_end=0)
    layer.build((None, 2))
    layer.kernel.assign([[0.3], [0.6]])
    layer(X[:, :2], training=True)
    assert [float(loss) for loss in layer.losses] == [pytest.approx(0.7)]
    assert float(layer.penalty(*layer.trainable_weights, step=0)) == pytest.approx(0.7)
    layer(X[:, :2])
    assert layer.losses == [] and int(layer.step.numpy()) == 0  # the trainer keeps the step, not the calls


# --------------------------------------------------------------------------- serialisation and config


@pytest.mark.parametrize("layer_cls", [NAU, NMU])
def test_save_and_load_round_trip(tmp_path, layer_cls):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((3,))
    layer = layer_cls(2, sparsity=0.5, sparsity_start=7, sparsity_end=9, name="unit")
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects: layers, Clip and NAUUniform are registered
    np.testing.assert_array_equal(np.asarray(model(X)), np.asarray(loaded(X)))
    unit = loaded.get_layer("unit")
    assert type(unit) is layer_cls
    assert unit.get_config() == layer.get_config()
    assert isinstance(unit.kernel.constraint, Clip)


def test_config_is_complete():
    layer = NAU(3, sparsity=2.5, sparsity_start=10, sparsity_end=20, kernel_initializer=NAUUniform(0.1), name="n")
    clone = NAU.from_config(layer.get_config())
    assert (clone.units, clone.sparsity, clone.sparsity_start, clone.sparsity_end) == (3, 2.5, 10, 20)
    assert isinstance(clone.kernel_initializer, NAUUniform) and clone.kernel_initializer.max_limit == 0.1
    clone = NMU.from_config(NMU(2, kernel_initializer="ones").get_config())
    assert isinstance(clone.kernel_initializer, keras.initializers.Ones)
    assert isinstance(NMU.from_config(NMU(2).get_config()).kernel_initializer, keras.initializers.RandomUniform)


def test_exported_and_stackable():
    assert nalu_lib.NAU is NAU and nalu_lib.NMU is NMU
    model = stacked("nmu", (2, 1), sparsity=0.0)
    assert [type(layer) for layer in model.layers] == [NMU, NMU]
    assert model.layers[0].sparsity == 0.0
    assert type(stacked("nau", (1,)).layers[0]) is NAU


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("units", [0, -1, 1.5, "2", True, None])
def test_bad_units(units):
    for layer_cls in (NAU, NMU):
        with pytest.raises(ValueError, match="units"):
            layer_cls(units)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sparsity": -0.1}, "sparsity"),
        ({"sparsity": float("nan")}, "sparsity"),
        ({"sparsity": "1"}, "sparsity"),
        ({"sparsity": True}, "sparsity"),
        ({"sparsity_start": -1}, "sparsity_start"),
        ({"sparsity_start": 1.5}, "sparsity_start"),
        ({"sparsity_end": None}, "sparsity_end"),
        ({"sparsity_start": 20, "sparsity_end": 10}, "sparsity_start must not come after sparsity_end"),
    ],
)
def test_bad_regulariser_arguments(kwargs, name):
    for layer_cls in (NAU, NMU):
        with pytest.raises(ValueError, match=name):
            layer_cls(1, **kwargs)


def test_bad_clip_initializer_and_input_dim():
    with pytest.raises(ValueError, match="min_value"):
        Clip(1, 0)
    with pytest.raises(ValueError, match="max_value"):
        Clip(0, float("inf"))
    with pytest.raises(ValueError, match="max_limit"):
        NAUUniform(0)
    with pytest.raises(ValueError, match="input_dim"):
        NMU(1).build((None, None))


# --------------------------------------------------------------------------- learning


@pytest.mark.parametrize("seed", [0, 7])
def test_nmu_learns_multiplication_with_negative_inputs(seed):
    x, y = random_pairs("mul", n=1000, low=-2, high=2, seed=0)
    model = keras.Sequential([NMU(1)])
    train(model, x, y, seed=seed)
    np.testing.assert_array_equal(np.asarray(model.layers[0].W), [[1.0], [1.0]])
    assert max_relative_error(model, *random_pairs("mul", low=-20, high=20, seed=1)) <= 1e-5


@pytest.mark.parametrize("seed", [0, 5])
def test_nau_learns_subtraction(seed):
    x, y = random_pairs("sub", n=1000, low=-2, high=2, seed=0)
    model = keras.Sequential([NAU(1)])
    train(model, x, y, seed=seed)
    np.testing.assert_array_equal(np.asarray(model.layers[0].W), [[1.0], [-1.0]])
    assert max_relative_error(model, *random_pairs("sub", low=-20, high=20, seed=1)) <= 1e-5


def test_train_many_keeps_W_in_range_and_agrees_with_train():
    x, y = random_pairs("mul", n=1000, low=-2, high=2, seed=0)
    ensemble = train_many(lambda: keras.Sequential([NMU(1)]), x, y, seeds=5)
    for model in ensemble.models:
        np.testing.assert_array_equal(np.asarray(model.layers[0].W), [[1.0], [1.0]])
    single = keras.Sequential([NMU(1)])
    history = train(single, x, y, seed=3)
    # the same run: equal at first; later, rounding differences between one wide and many small
    # matrix products may grow, so the end is compared through the saturated weights above
    np.testing.assert_allclose(ensemble.history.loss[:20, 3], history.loss[:20], rtol=1e-4, atol=1e-7)


def test_train_keeps_the_step_of_every_unit_at_the_optimizers_even_when_called_twice():
    # one NAU used twice per step: its regulariser must see the optimizer's step, not its calls
    nau = NAU(1, sparsity=1.0, sparsity_start=0, sparsity_end=10)
    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Add()([nau(inputs), nau(inputs)]))
    optimizer = keras.optimizers.SGD(0.01)
    x = np.random.default_rng(0).uniform(-1, 1, (32, 1)).astype(np.float32)
    train(model, x, x, steps=7, optimizer=optimizer)
    assert int(optimizer.iterations.numpy()) == 7
    assert int(nau.step.numpy()) == 6  # lambda of step 6 for the seventh update, as train_many uses


@pytest.mark.parametrize("inputs", [2, 4, 5])  # at most SMALL_CONTRACTION inputs: a sum of products
def test_stacked_weights_give_each_seed_its_own_product(inputs):
    from nalu_lib.units.base import SMALL_CONTRACTION, batched_matmul

    rng = np.random.default_rng(inputs)
    W = rng.uniform(0, 1, size=(3, inputs, 2)).astype("float32")
    shared, per_seed = rng.normal(size=(7, inputs)), rng.normal(size=(3, 7, inputs))
    shared, per_seed = shared.astype("float32"), per_seed.astype("float32")
    assert (inputs <= SMALL_CONTRACTION) == (inputs < 5)
    expected = np.einsum("nk,sku->snu", shared, W)
    np.testing.assert_allclose(np.asarray(batched_matmul(shared, W)), expected, rtol=1e-5, atol=1e-6)
    expected = np.einsum("snk,sku->snu", per_seed, W)
    np.testing.assert_allclose(np.asarray(batched_matmul(per_seed, W)), expected, rtol=1e-5, atol=1e-6)
    nmu = NMU(2)
    nmu.build((None, inputs))
    factors = W[:, None, :, :] * per_seed[..., None] + 1 - W[:, None, :, :]  # (seeds, n, inputs, units)
    np.testing.assert_allclose(np.asarray(nmu.compute(per_seed, W)), factors.prod(axis=2), rtol=1e-5, atol=1e-6)
