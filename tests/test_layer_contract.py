"""nalu_lib's layers as a Keras user meets them, on whichever backend this process runs.

The README's test command runs this file under TensorFlow; ``.ci/run`` runs it again under JAX
and under PyTorch, in environments without TensorFlow. Each layer passes Keras's own layer
contract (``run_layer_test``, the test every Keras layer passes), trains with ``fit``, saves and
loads in a new process, runs under ``mixed_float16``, and refuses an input of the wrong width.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from keras import ops
from keras.src.testing import TestCase

from nalu_lib import INALU, NAC, NALU, NAU, NMU, NPU, RealNPU, RecurrentNAC, RecurrentNALU, SparsitySchedule

BACKEND = keras.backend.backend()
#: Each unit with its trainable and non-trainable weight counts.
UNITS = {
    "NAC": (NAC, 2, 0),
    "NALU": (NALU, 3, 0),
    "NAU": (NAU, 1, 1),
    "NMU": (NMU, 1, 1),
    "NPU": (NPU, 3, 0),
    "RealNPU": (RealNPU, 2, 0),
    "INALU": (INALU, 5, 0),
}
CELLS = {"RecurrentNAC": RecurrentNAC, "RecurrentNALU": RecurrentNALU}
X = np.random.default_rng(0).uniform(1, 2, (16, 3)).astype(np.float32)
SEQUENCES = np.random.default_rng(1).uniform(0, 1, (16, 5, 3)).astype(np.float32)


def _numpy(x) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(x))


@pytest.fixture
def keras_case():
    case = TestCase()
    case.setUp()
    yield case
    keras.config.set_dtype_policy("float32")


# --------------------------------------------------------------------------- Keras's layer contract


@pytest.mark.parametrize("name", sorted(UNITS))
def test_every_unit_passes_keras_layer_contract(keras_case, name):
    cls, trainable, non_trainable = UNITS[name]
    keras_case.run_layer_test(
        cls,
        init_kwargs={"units": 2},
        input_shape=(4, 3),
        expected_output_shape=(4, 2),
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=non_trainable,
        expected_num_seed_generators=0,
        expected_num_losses=0,
        supports_masking=False,
    )


class _CellRNN(keras.layers.RNN):
    """``keras.layers.RNN`` over a nalu_lib cell, built from ``units`` (so that Keras's layer test
    can make it again from its config)."""

    cell_class = RecurrentNAC

    def __init__(self, units, **kwargs):
        super().__init__(self.cell_class(units), **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("cell")
        config["units"] = self.cell.units
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="nalu_lib_tests")
class _NACRNN(_CellRNN):
    cell_class = RecurrentNAC


@keras.saving.register_keras_serializable(package="nalu_lib_tests")
class _NALURNN(_CellRNN):
    cell_class = RecurrentNALU


@pytest.mark.parametrize(("rnn", "trainable"), [(_NACRNN, 2), (_NALURNN, 3)])
def test_every_cell_passes_keras_layer_contract_inside_an_rnn(keras_case, rnn, trainable):
    keras_case.run_layer_test(
        rnn,
        init_kwargs={"units": 2},
        input_shape=(4, 5, 3),
        expected_output_shape=(4, 2),
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=0,
        expected_num_losses=0,
        supports_masking=True,
    )


# --------------------------------------------------------------------------- a Keras user's route


def _functional(name: str) -> keras.Model:
    if name in CELLS:
        inputs = keras.Input((5, 3))
        outputs = keras.layers.RNN(CELLS[name](2), name="rnn")(inputs)
    else:
        inputs = keras.Input((3,))
        outputs = UNITS[name][0](2, name="unit")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1)(outputs))


ROUTE = sorted(UNITS) + sorted(CELLS)


def test_fit_evaluate_predict_then_save_and_load_in_a_new_process(tmp_path):
    expected = {}
    for name in ROUTE:
        keras.utils.set_random_seed(0)
        model = _functional(name)
        x = SEQUENCES if name in CELLS else X
        y = np.sum(x.reshape(len(x), -1), axis=1, keepdims=True)
        model.compile(keras.optimizers.Adam(0.01), "mse")
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[SparsitySchedule()])
        assert np.all(np.isfinite(history.history["loss"])), name
        assert np.isfinite(model.evaluate(x, y, verbose=0)), name
        prediction = model.predict(x, verbose=0)
        assert prediction.shape == (len(x), 1) and np.all(np.isfinite(prediction)), name
        model.save(tmp_path / f"{name}.keras")
        expected[name] = prediction.tolist()
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "sequences.npy", SEQUENCES)
    script = textwrap.dedent(
        f"""
        import json, sys
        import keras, numpy as np
        {{import_line}}
        folder = {str(tmp_path)!r}
        out = {{{{}}}}
        for name in {ROUTE!r}:
            x = np.load(folder + ("/sequences.npy" if name.startswith("Recurrent") else "/x.npy"))
            model = keras.models.load_model(folder + "/" + name + ".keras")
            out[name] = np.asarray(model.predict(x, verbose=0)).tolist()
        print(json.dumps(out))
        """
    )

    def load_elsewhere(import_line: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", script.format(import_line=import_line)],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "KERAS_BACKEND": BACKEND},
        )

    loaded = load_elsewhere("import nalu_lib.units  # registers the layers")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    reloaded = json.loads(loaded.stdout.strip().splitlines()[-1])
    for name in ROUTE:
        np.testing.assert_allclose(reloaded[name], expected[name], rtol=1e-6, err_msg=name)
    # without that import, Keras does not know the layers: the import is what makes loading work
    failed = load_elsewhere("")
    assert failed.returncode != 0 and ROUTE[0] in failed.stderr  # the first model it tries to load


# --------------------------------------------------------------------------- mixed precision


@pytest.mark.parametrize("name", ROUTE)
def test_every_layer_fits_under_mixed_float16(keras_case, name):
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    keras.utils.set_random_seed(0)
    model = _functional(name)
    x = SEQUENCES if name in CELLS else X
    model.compile(keras.optimizers.SGD(0.001), "mse")
    history = model.fit(x, np.ones((len(x), 1), np.float32), epochs=2, verbose=0, callbacks=[SparsitySchedule()])
    assert np.all(np.isfinite(history.history["loss"])), name
    assert all(w.dtype == "float32" for w in model.weights if "float" in str(w.dtype)), name


@pytest.mark.parametrize("cls", [NALU, NMU])
def test_products_past_float16_stay_right_under_mixed_float16(keras_case, cls):
    # 300 x 400 = 120,000 is past float16's largest number, 65,504: the unit computes in float32
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    layer = cls(1)
    layer.build((None, 2))
    if cls is NALU:
        layer.W_hat.assign(np.full((2, 1), 20.0))
        layer.M_hat.assign(np.full((2, 1), 20.0))
        layer.G.assign(np.full((2, 1), -20.0))  # the gate on the multiplying path
    else:
        layer.kernel.assign(np.ones((2, 1)))
    product = _numpy(layer(np.array([[300.0, 400.0]], np.float32)))
    assert layer.compute_dtype == "float32" and product.dtype == np.float32
    assert product[0, 0] == pytest.approx(120_000, rel=1e-5)


def test_a_running_product_past_float16_stays_right_in_a_float32_rnn_under_mixed_float16(keras_case):
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    cell = RecurrentNALU(1)
    rnn = keras.layers.RNN(cell, dtype="float32")  # as the cell's docstring says
    rnn.build((None, 6, 1))
    inner = cell.cell_layer
    inner.W_hat.assign(np.full((2, 1), 20.0))
    inner.M_hat.assign(np.full((2, 1), 20.0))
    inner.G.assign(np.full((2, 1), -20.0))  # the gate on the multiplying path: h_t = x_t * h_{t-1}
    product = _numpy(rnn(np.full((1, 6, 1), 10.0, np.float32)))
    assert product.dtype == np.float32 and product[0, 0] == pytest.approx(1e6, rel=1e-4)


@pytest.mark.parametrize("cls", [NAU, NMU])
def test_the_regulariser_is_float32_under_mixed_float16(keras_case, cls):
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    layer = cls(1, sparsity=1.0, sparsity_start=0, sparsity_end=0)
    layer(X[:, :2], training=True)
    (penalty,) = layer.losses
    assert keras.backend.standardize_dtype(penalty.dtype) == "float32"


# --------------------------------------------------------------------------- the regulariser's step


def _nau_called_twice(gradient_accumulation_steps=None):
    """A model that calls one NAU twice per step, with SGD at rate 0 (the weights stay put, the
    loss is the regulariser alone: 2 * lambda(step) * R_sparse, R_sparse = 0.35)."""
    keras.utils.set_random_seed(0)
    nau = NAU(1, sparsity=2.0, sparsity_start=2, sparsity_end=4, name="shared")
    inputs = keras.Input((2,))
    outputs = keras.layers.Add()([nau(inputs), nau(inputs)])
    model = keras.Model(inputs, outputs)
    nau.kernel.assign(np.array([[0.3], [0.6]], np.float32))
    optimizer = keras.optimizers.SGD(0.0, gradient_accumulation_steps=gradient_accumulation_steps)
    model.compile(optimizer, "mse")
    return model, nau


class _Record(keras.callbacks.Callback):
    """Each batch's step of the unit, the optimizer's iterations, and the batch's own loss."""

    def __init__(self, unit):
        super().__init__()
        self.unit, self.steps, self.iterations, self.means = unit, [], [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.steps.append(int(_numpy(self.unit.step)))
        self.iterations.append(int(_numpy(self.model.optimizer.iterations)))

    def on_train_batch_end(self, batch, logs=None):
        self.means.append(float(logs["loss"]))  # the running mean over the epoch

    def losses(self) -> np.ndarray:
        means = np.asarray(self.means)
        counts = np.arange(1, len(means) + 1)
        return counts * means - np.concatenate([[0.0], (counts * means)[:-1]])


class _AddsOne(keras.layers.Layer):
    """Adds a loss of 1 each time it is called."""

    def call(self, inputs):
        self.add_loss(ops.convert_to_tensor(1.0))
        return inputs


def _losses_kept_of_a_layer_called_twice() -> int:
    """How many of a shared layer's two ``add_loss`` terms per step Keras adds to the loss on this
    backend (2 on TensorFlow and PyTorch; JAX's stateless call keeps the last one)."""
    layer = _AddsOne()
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Add()([layer(inputs), layer(inputs)])))
    model.compile(keras.optimizers.SGD(0.0), "mse")
    x = np.ones((4, 2), np.float32)
    return round(model.fit(x, _numpy(model(x)), epochs=1, verbose=0).history["loss"][0])


@pytest.mark.parametrize("accumulate", [None, 4])
def test_the_regulariser_follows_the_optimizer_step_for_a_layer_called_twice(accumulate):
    model, nau = _nau_called_twice(accumulate)
    x = np.random.default_rng(0).uniform(-1, 1, (64, 2)).astype(np.float32)
    y = _numpy(model(x))  # the model's own output: the data loss is 0
    record = _Record(nau)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[SparsitySchedule(), record])
    iterations = record.iterations
    assert record.steps == iterations  # the unit's step is the optimizer's, not its call count
    assert iterations[-1] == (7 if accumulate is None else 1)
    ramp = np.clip((np.asarray(iterations) - 2) / 2, 0, 1)
    kept = _losses_kept_of_a_layer_called_twice()
    assert kept in (1, 2)
    np.testing.assert_allclose(record.losses(), kept * 2.0 * ramp * 0.35, atol=1e-5)


def test_without_the_callback_fit_leaves_the_regulariser_at_step_0():
    model, nau = _nau_called_twice()
    x = np.random.default_rng(0).uniform(-1, 1, (64, 2)).astype(np.float32)
    history = model.fit(x, _numpy(model(x)), batch_size=64, epochs=5, verbose=0)
    assert int(_numpy(nau.step)) == 0 and max(history.history["loss"]) == pytest.approx(0.0, abs=1e-7)


# --------------------------------------------------------------------------- inputs and weights


@pytest.mark.parametrize("name", sorted(UNITS))
def test_a_wrong_input_width_names_the_layer_the_axis_and_both_sizes(name):
    layer = UNITS[name][0](2, name=f"my_{name.lower()}")
    layer(X)  # built for 3 inputs
    with pytest.raises(ValueError, match=rf"my_{name.lower()}.*axis -1.*value 3.*\(16, 4\)"):
        layer(np.ones((16, 4), np.float32))


@pytest.mark.parametrize("name", sorted(CELLS))
def test_a_cell_refuses_a_wrong_step_width(name):
    rnn = keras.layers.RNN(CELLS[name](2))
    rnn(SEQUENCES)
    with pytest.raises(ValueError, match=r"axis -1.*value 3"):
        rnn(np.ones((16, 5, 4), np.float32))


@pytest.mark.parametrize("name", sorted(UNITS))
def test_the_effective_weight_is_a_tensor_inside_a_compiled_function(name):
    layer = UNITS[name][0](2)
    layer(X)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        value = tf.function(lambda: layer.effective_weight(), jit_compile=True)()
    elif BACKEND == "jax":
        import jax

        value = jax.jit(lambda: layer.effective_weight())()
    else:
        import torch

        value = torch.compile(lambda: layer.effective_weight(), backend="eager")()
    assert not isinstance(value, np.ndarray)
    np.testing.assert_allclose(_numpy(value), layer.W, rtol=1e-6)


# --------------------------------------------------------------------------- importing


def test_importing_the_layers_sets_nothing_and_needs_no_tensorflow():
    script = textwrap.dedent(
        """
        import json, os, sys
        import keras
        before = dict(os.environ)
        import nalu_lib
        from nalu_lib import INALU, NAC, NALU, NAU, NMU, NPU, RealNPU, RecurrentNAC, RecurrentNALU, SparsitySchedule
        changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
        print(json.dumps({"changed": changed, "tensorflow": "tensorflow" in sys.modules}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["changed"] == [], "importing nalu_lib must set no environment variable"
    assert found["tensorflow"] == (BACKEND == "tensorflow"), "only Keras's TensorFlow backend loads TensorFlow"


@pytest.mark.skipif(BACKEND == "tensorflow", reason="the trainers run on this backend")
def test_the_trainers_say_what_they_need_on_another_backend():
    with pytest.raises(ImportError, match="TensorFlow"):
        from nalu_lib import train  # noqa: F401


def test_the_readmes_example_runs_and_learns_the_product(tmp_path, monkeypatch):
    readme = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    blocks = re.findall(r"```python\n(.*?)```", open(os.path.join(*readme), encoding="utf-8").read(), re.S)
    (example,) = [block for block in blocks if "SparsitySchedule" in block]
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(example, "README.md", "exec"), namespace)
    np.testing.assert_array_equal(namespace["reloaded"].get_layer("product").W.round(2).ravel(), [1, 1, 0, 0])


# --------------------------------------------------------------------------- small contracts


@pytest.mark.parametrize("name", sorted(UNITS))
def test_an_unbuilt_unit_says_to_build_it_on_every_backend(name):
    layer = UNITS[name][0](2)
    weight = type(layer).weight_specs[0][0]
    for attribute in (weight, "W"):
        with pytest.raises(AttributeError, match="call it on data or build it first"):
            getattr(layer, attribute)
    assert not hasattr(layer, weight)


class _NoConfig(keras.initializers.Initializer):
    """A custom initializer whose config does not rebuild it (Keras's base get_config is {})."""

    def __init__(self, value):
        self.value = value

    def __call__(self, shape, dtype=None):
        return ops.full(shape, self.value, dtype=dtype)


def test_a_custom_initializer_keras_accepts_works_for_a_unit():
    layer = NAC(1, w_hat_initializer=_NoConfig(2.0), m_hat_initializer=_NoConfig(3.0))
    layer.build((None, 2))
    np.testing.assert_allclose(_numpy(layer.W_hat), 2.0)
    np.testing.assert_allclose(_numpy(layer.M_hat), 3.0)


@pytest.mark.parametrize("cls", [NAU, NMU])
def test_set_weights_with_the_kernel_alone_works_on_a_frozen_unit(cls):
    layer = cls(1)
    layer.build((None, 3))
    layer.trainable = False
    layer.set_weights([np.full((3, 1), 0.5, np.float32)])
    np.testing.assert_array_equal(layer.W, 0.5)


def test_a_wildcard_import_takes_the_units_on_any_backend():
    done = subprocess.run(
        [sys.executable, "-c", "from nalu_lib import *\nprint(NMU.__name__, sorted(globals()) and 'ok')"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["NMU", "ok"]
