"""The recurrent NAC and NALU: what keras.layers.RNN computes equals a hand loop, the cells save
and load, bad arguments are refused, and a recurrent NAC learns an exact running sum."""

import keras
import numpy as np
import pytest

from nalu_lib import train
from nalu_lib.evaluation import predict_sequences
from nalu_lib.notebook.plots import errors_by_length
from nalu_lib.tasks.sequences import recurrent_arithmetic_task
from nalu_lib.units import EveryStep, RecurrentNAC, RecurrentNALU, recurrent_loop

CELLS = [RecurrentNAC, RecurrentNALU]


def _sequences(seed=0, n=4, length=7, dim=3):
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=(n, length, dim)).astype(np.float32)


def _hand_loop(cell, x):
    """One step at a time with the cell's own call(): what RNN must do with it."""
    h = np.full((x.shape[0], cell.units), cell.initial_value, np.float32)
    outputs = []
    for t in range(x.shape[1]):
        out, states = cell(keras.ops.convert_to_tensor(x[:, t]), [keras.ops.convert_to_tensor(h)])
        h = np.asarray(states[0])
        outputs.append(np.asarray(out))
    return np.stack(outputs, axis=1)


@pytest.mark.parametrize("cell_cls", CELLS)
@pytest.mark.parametrize("unroll", [False, True])
def test_rnn_equals_a_hand_loop(cell_cls, unroll):
    x = _sequences()
    cell = cell_cls(2, g_initializer="glorot_uniform") if cell_cls is RecurrentNALU else cell_cls(2)
    layer = keras.layers.RNN(cell, return_sequences=True, unroll=unroll)
    out = np.asarray(layer(x))
    assert out.shape == (4, 7, 2)
    np.testing.assert_allclose(out, _hand_loop(cell, x), rtol=1e-6, atol=1e-7)
    # and the float64 numpy loop of notebook 07, from the effective weights alone
    np.testing.assert_allclose(out[:, -1], recurrent_loop(cell, x), rtol=1e-5)


def test_a_nac_cell_with_weights_set_by_hand_sums_exactly():
    cell = RecurrentNAC(1)
    keras.layers.RNN(cell)(_sequences(dim=3))
    # W = 1 on input 0, on input 2 and on the state: tanh(20) * sigmoid(40) is 1.0 in float32
    cell.cell_layer.W_hat.assign(np.array([[20.0], [0.0], [20.0], [20.0]], np.float32))
    cell.cell_layer.M_hat.assign(np.array([[40.0], [-40.0], [40.0], [40.0]], np.float32))
    x = _sequences(seed=1, n=3, length=1000)
    out = np.asarray(keras.layers.RNN(cell)(x), np.float64)
    expected = x.astype(np.float64)[:, :, [0, 2]].sum(axis=(1, 2))[:, None]
    assert np.max(np.abs(out - expected) / expected) < 1e-5


def test_the_nalu_cell_starts_from_one_and_the_nac_cell_from_zero():
    assert RecurrentNALU(3).get_initial_state(2)[0].shape == (2, 3)
    assert np.all(np.asarray(RecurrentNALU(3).get_initial_state(2)[0]) == 1)
    assert np.all(np.asarray(RecurrentNAC(3).get_initial_state(2)[0]) == 0)
    assert np.all(np.asarray(RecurrentNAC(1, initial_value=2.5).get_initial_state(1)[0]) == 2.5)


def test_a_nalu_cell_on_the_log_path_multiplies():
    # gate 0: the log path only; a tiny epsilon, so that log(|h| + epsilon) is log|h| to float64 precision
    cell = RecurrentNALU(1, g_initializer=keras.initializers.Constant(-30.0), epsilon=1e-30)
    keras.layers.RNN(cell)(_sequences(dim=2))
    cell.cell_layer.W_hat.assign(np.array([[20.0], [0.0], [20.0]], np.float32))
    cell.cell_layer.M_hat.assign(np.array([[40.0], [-40.0], [40.0]], np.float32))
    x = _sequences(seed=2, n=3, length=20, dim=2)
    out = np.asarray(keras.layers.RNN(cell)(x), np.float64)
    expected = np.prod(x.astype(np.float64)[:, :, 0], axis=1)[:, None]
    np.testing.assert_allclose(out, expected, rtol=1e-5)


@pytest.mark.parametrize("cell_cls", CELLS)
def test_save_and_load_round_trip(tmp_path, cell_cls):
    x = _sequences()
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.RNN(cell_cls(2, initial_value=0.5), name="rnn")])
    before = np.asarray(model(x))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects: the cells are registered
    np.testing.assert_allclose(np.asarray(loaded(x)), before, rtol=1e-6)
    cell, clone = model.get_layer("rnn").cell, loaded.get_layer("rnn").cell
    assert type(clone) is cell_cls
    assert clone.get_config() == cell.get_config()
    assert clone.initial_value == 0.5


def test_config_keeps_every_argument():
    cell = RecurrentNALU(3, initial_value=2.0, epsilon=1e-5, g_initializer="ones", log_space_dtype=None, name="c")
    clone = RecurrentNALU.from_config(cell.get_config())
    assert (clone.units, clone.initial_value, clone.cell_layer.epsilon) == (3, 2.0, 1e-5)
    assert clone.cell_layer.log_space_dtype is None
    assert clone.cell_layer.g_initializer.get_config() == cell.cell_layer.g_initializer.get_config()
    nac = RecurrentNAC(2, w_hat_initializer=keras.initializers.RandomUniform(-2, 2))
    nac_clone = RecurrentNAC.from_config(nac.get_config())
    assert nac_clone.cell_layer.w_hat_initializer.get_config() == nac.cell_layer.w_hat_initializer.get_config()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"units": 0}, "units"),
        ({"units": 1.5}, "units"),
        ({"units": 1, "initial_value": float("nan")}, "initial_value"),
        ({"units": 1, "initial_value": "1"}, "initial_value"),
    ],
)
@pytest.mark.parametrize("cell_cls", CELLS)
def test_bad_arguments_name_the_argument(cell_cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cell_cls(**kwargs)


def test_weights_before_building_raise_the_layers_error():
    cell = RecurrentNAC(1)
    with pytest.raises(AttributeError, match="build it first"):
        _ = cell.W
    assert not hasattr(cell, "W")


def test_a_recurrent_nac_learns_an_exact_running_sum():
    task = recurrent_arithmetic_task("add", n_train=128, overlap=0, test_lengths=(1000,), n_test=20)
    model = keras.Sequential([keras.layers.RNN(RecurrentNAC(1), unroll=True)])
    train(model, task.x_train, task.y_train, seed=0)
    x, y = task.tests[1000]
    error = np.max(np.abs(np.asarray(model(x), np.float64) - y) / np.abs(y))
    assert error <= 1e-5
    W = model.layers[0].cell.W.ravel()
    expected = np.zeros(11)
    expected[np.r_[task.a_index, task.b_index]] = 1
    expected[-1] = 1  # the state carries over
    np.testing.assert_allclose(W, expected, atol=1e-6)


def test_errors_by_length_plot_draws_one_line_per_model():
    import matplotlib

    matplotlib.use("Agg")
    ax = errors_by_length({"a": {10: [1e-7, 2e-7], 100: [1e-6, 0.0]}, "b": {10: 0.1, 100: 1.0}}, title="t")
    assert len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_predict_sequences_equals_the_unrolled_model_and_leaves_it_unrolled():
    model = keras.Sequential([keras.layers.RNN(RecurrentNAC(1), unroll=True), keras.layers.Dense(1)])
    x = _sequences(length=12)
    expected = np.asarray(model(x))

    np.testing.assert_allclose(predict_sequences(model, x), expected, rtol=1e-6)
    assert predict_sequences(model, _sequences(length=300)).shape == (4, 1)
    assert model.layers[0].unroll is True


def _small_cnn():
    return keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(), keras.layers.Dense(3)]
    )


def test_every_step_equals_time_distributed_and_takes_any_length(tmp_path):
    cnn = _small_cnn()
    x = np.random.default_rng(0).normal(size=(2, 5, 8, 8, 1)).astype(np.float32)
    ours = np.asarray(EveryStep(cnn)(x))
    assert ours.shape == (2, 5, 3)
    np.testing.assert_allclose(ours, np.asarray(keras.layers.TimeDistributed(cnn)(x)), rtol=1e-6, atol=1e-6)
    model = keras.Sequential([EveryStep(cnn), keras.layers.RNN(RecurrentNAC(1))])
    model(x)  # built on 5 steps, then run on 40
    longer = np.random.default_rng(1).normal(size=(3, 40, 8, 8, 1)).astype(np.float32)
    by_hand = recurrent_loop(model.layers[1].cell, np.asarray(cnn(longer.reshape(-1, 8, 8, 1))).reshape(3, 40, 3))
    np.testing.assert_allclose(predict_sequences(model, longer), by_hand, rtol=1e-4, atol=1e-5)
    model.save(tmp_path / "every_step.keras")
    loaded = keras.models.load_model(tmp_path / "every_step.keras")
    np.testing.assert_allclose(np.asarray(loaded(longer)), np.asarray(model(longer)), rtol=1e-6)


def test_every_step_refuses_inputs_without_a_time_axis():
    with pytest.raises(ValueError, match="batch, time"):
        EveryStep(keras.layers.Dense(2))(np.zeros((4, 3), np.float32))


def test_predict_sequences_in_batches_equals_one_call():
    model = keras.Sequential([keras.layers.RNN(RecurrentNAC(2))])
    x = _sequences(n=7, length=30)
    np.testing.assert_allclose(predict_sequences(model, x, batch_size=3), predict_sequences(model, x), rtol=1e-6)
    with pytest.raises(ValueError, match="batch_size"):
        predict_sequences(model, x, batch_size=0)
