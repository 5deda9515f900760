"""train() and train_many(): learning, determinism, batched == one-by-one, bad inputs."""

import keras
import numpy as np
import pytest

from nalu_lib import NAC, NALU, NAU, train, train_many
from nalu_lib.engine import optimizers
from nalu_lib.evaluation import max_relative_error, predict
from nalu_lib.tasks import article_extrapolation_set, article_task, random_pairs


def test_nac_learns_the_articles_addition_exactly():
    x_train, y_train, x_test, y_test = article_task("add")
    model = keras.Sequential([NAC(1)])
    history = train(model, x_train, y_train, seed=1)
    assert history.loss.shape == (2000,) and history.loss.dtype == np.float32
    assert history.loss[-1] < history.loss[0]
    np.testing.assert_allclose(model.layers[0].W, [[1.0], [1.0]], atol=1e-7)
    assert max_relative_error(model, x_test, y_test) <= 1e-6
    assert max_relative_error(model, *article_extrapolation_set("add")) <= 1e-6
    assert predict(model, [[1000.0, 1000.0]])[0, 0] == 2000.0


def test_nalu_learns_the_articles_multiplication():
    x_train, y_train, x_test, y_test = article_task("mul")
    model = keras.Sequential([NALU(1)])
    train(model, x_train, y_train, seed=2)
    assert max_relative_error(model, x_test, y_test) <= 1e-6
    assert max_relative_error(model, *article_extrapolation_set("mul")) <= 1e-6
    assert np.all(model.layers[0].gate(x_test) < 1e-6)  # the multiplicative path


def test_nac_learns_subtraction_from_independent_pairs():
    x, y = random_pairs("sub", n=500, low=0, high=100, seed=0)
    model = keras.Sequential([NAC(1)])
    train(model, x, y, seed=0)
    np.testing.assert_allclose(model.layers[0].W, [[1.0], [-1.0]], atol=1e-6)


def test_same_seed_same_result_and_other_seed_differs():
    x, y, _, _ = article_task("add")
    runs = []
    for seed in (7, 7, 8):
        model = keras.Sequential([NAC(1)])
        history = train(model, x, y, steps=50, seed=seed)
        runs.append((history.loss, model.layers[0].W))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_xla_and_graph_loops_agree_and_minibatches_are_deterministic():
    x, y = random_pairs("add", n=200, seed=1)
    losses = []
    for jit in (True, False):
        losses.append(train(keras.Sequential([NAC(1)]), x, y, steps=30, seed=3, jit_compile=jit).loss)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)
    a = train(keras.Sequential([NAC(1)]), x, y, steps=30, seed=3, batch_size=16).loss
    b = train(keras.Sequential([NAC(1)]), x, y, steps=30, seed=3, batch_size=16).loss
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, losses[1])


def test_callback_hears_about_fifty_times():
    x, y = random_pairs("add", n=20, seed=1)
    seen = []
    train(
        keras.Sequential([NAC(1)]),
        x,
        y,
        steps=100,
        callback=lambda done, loss: seen.append((done, len(loss))),
    )
    assert seen[-1] == (100, 100) and len(seen) == 50
    assert all(done == n for done, n in seen)


def test_progress_bar_runs_to_the_end_and_leaves_a_line(capsys):
    x, y = random_pairs("add", n=20, seed=1)
    history = train(keras.Sequential([NAC(1)], name="adder"), x, y, steps=100, progress=True)
    assert history.steps_run == 100
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert "training adder" in printed and "100/100" in printed, printed


def test_both_an_optimizer_and_a_learning_rate_is_an_error():
    x, y = random_pairs("add", n=20, seed=1)
    with pytest.raises(ValueError, match="not both"):
        train(keras.Sequential([NAC(1)]), x, y, steps=5, optimizer=keras.optimizers.Adam(0.1), learning_rate=0.1)
    history = train(keras.Sequential([NAC(1)]), x, y, steps=5, optimizer="sgd", learning_rate=0.1)
    assert history.loss.shape == (5,)


def test_one_dimensional_targets_do_not_broadcast():
    x, y, _, _ = article_task("add")
    model = keras.Sequential([NAC(1)])
    history = train(model, x, y[:, 0], seed=0)
    assert history.loss[-1] < 1e-6  # a (n, n) broadcast could not get below ~3e7


def test_divergence_raises():
    x, y = random_pairs("add", n=20, seed=1)
    model = keras.Sequential([keras.layers.Dense(1)])
    with pytest.raises(FloatingPointError, match="learning_rate"):
        train(model, x * 1e18, y * 1e18, steps=20, optimizer=keras.optimizers.SGD(1e10), seed=0)


def test_train_many_matches_training_one_by_one():
    x, y = random_pairs("mul", n=100, low=1, high=10, seed=0)

    def build():
        return keras.Sequential([keras.Input((2,)), NALU(1)])

    ensemble = train_many(build, x, y, seeds=[3, 4, 5], steps=200)
    assert ensemble.history.loss.shape == (200, 3)
    for i, seed in enumerate([3, 4, 5]):
        keras.utils.set_random_seed(seed)
        model = build()
        history = train(model, x, y, steps=200, seed=seed)
        # the same run: equal at first (rounding differences may grow later), same weights at the end
        np.testing.assert_allclose(ensemble.history.loss[:20, i], history.loss[:20], rtol=1e-4)
        np.testing.assert_allclose(ensemble.models[i].layers[0].W, model.layers[0].W, atol=1e-5)
    assert ensemble.predict(x).shape == (3, 100, 1)
    np.testing.assert_allclose(ensemble.predict(x)[1], predict(ensemble.models[1], x), rtol=1e-5)
    assert not ensemble.diverged.any()


def test_train_many_mlp_and_per_seed_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4, 50, 1)).astype(np.float32)

    def build():
        return keras.Sequential([keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])

    ensemble = train_many(build, x, 2 * x, seeds=4, steps=300, learning_rate=0.01)
    assert ensemble.history.loss.shape == (300, 4)
    assert np.all(ensemble.history.loss[-1] < ensemble.history.loss[0])
    history = train(build, x[2], 2 * x[2], steps=300, learning_rate=0.01, seed=2)
    # batched and single matmuls round differently; the runs agree until chaos amplifies that
    np.testing.assert_allclose(ensemble.history.loss[:100, 2], history.loss[:100], rtol=1e-3)


GOOD_X, GOOD_Y = random_pairs("add", n=10, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.full((10, 2), np.nan)}, "x contains"),
        ({"y": np.full((10, 1), np.inf)}, "y contains"),
        ({"y": GOOD_Y[:5]}, "same number of examples"),
        ({"x": np.zeros((0, 2)), "y": np.zeros((0, 1))}, "empty"),
        ({"steps": 0}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"loss": "hinge"}, "loss"),
        ({"optimizer": 3}, "optimizer"),
        ({"jit_compile": "yes"}, "jit_compile"),
    ],
)
def test_train_bad_inputs(kwargs, message):
    args = {"x": GOOD_X, "y": GOOD_Y, **kwargs}
    x, y = args.pop("x"), args.pop("y")
    with pytest.raises(ValueError, match=message):
        train(keras.Sequential([NAC(1)]), x, y, **args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seeds": 0}, "seeds"),
        ({"seeds": []}, "seeds"),
        ({"seeds": [1, 1]}, "distinct"),
        (
            {"build_model": lambda: keras.Sequential([keras.layers.Dense(1), keras.layers.LayerNormalization()])},
            "LayerNormalization",
        ),
        ({"x": np.zeros((3, 10, 2)), "seeds": 2}, "one slice per seed"),
    ],
)
def test_train_many_bad_inputs(kwargs, message):
    args = {"build_model": lambda: keras.Sequential([NAC(1)]), "x": GOOD_X, "y": GOOD_Y, "seeds": 2}
    args.update(kwargs)
    if args["x"].ndim == 3:
        args["y"] = np.zeros((3, 10, 1))
    with pytest.raises(ValueError, match=message):
        train_many(args.pop("build_model"), args.pop("x"), args.pop("y"), steps=5, **args)


def test_train_many_minibatches_match_training_one_by_one():
    x, y = random_pairs("add", n=300, low=0, high=10, seed=2)
    ensemble = train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, seeds=[0, 9], steps=60, batch_size=32)
    for i, seed in enumerate([0, 9]):
        history = train(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, steps=60, batch_size=32, seed=seed)
        np.testing.assert_allclose(ensemble.history.loss[:, i], history.loss, rtol=1e-4)
    assert not np.array_equal(ensemble.history.loss[:, 0], ensemble.history.loss[:, 1])


def test_bare_layer_gets_its_penalty_and_wrong_target_width_is_refused():
    from nalu_lib import NAU

    x, y = random_pairs("add", n=200, low=-1, high=1, seed=0)
    layer = NAU(1, sparsity=100.0, sparsity_start=0, sparsity_end=1)
    train(layer, x, y * 0.3, steps=300, seed=0)  # the target wants W = 0.3, the penalty 0 or 1
    assert np.all(np.minimum(np.abs(layer.W), 1 - np.abs(layer.W)) < 0.05)
    with pytest.raises(ValueError, match="column"):
        train(keras.Sequential([NAC(2)]), x, y, steps=5)
    with pytest.raises(ValueError, match="column"):
        train_many(lambda: keras.Sequential([NAC(1)]), x, np.hstack([y, y]), seeds=2, steps=5)


def test_shared_initializer_object_draws_independent_weights():
    init = keras.initializers.TruncatedNormal(stddev=0.02)
    layer = NALU(1, w_hat_initializer=init, m_hat_initializer=init, g_initializer=init)
    layer.build((None, 2))
    values = [np.asarray(w) for w in layer.trainable_weights]
    assert not np.array_equal(values[0], values[1]) and not np.array_equal(values[1], values[2])
    seeded = keras.initializers.RandomUniform(-1, 1, seed=5)
    layer = NAC(1, w_hat_initializer=seeded, m_hat_initializer=seeded)
    layer.build((None, 2))
    np.testing.assert_array_equal(np.asarray(layer.W_hat), np.asarray(layer.M_hat))  # an explicit seed is kept


@pytest.mark.parametrize("seeds", [[1.7, 2.2], [-1, 2], ["a"]])
def test_train_many_rejects_bad_seed_lists(seeds):
    with pytest.raises(ValueError, match="seeds"):
        train_many(lambda: keras.Sequential([NAC(1)]), GOOD_X, GOOD_Y, seeds=seeds, steps=5)


def test_train_rejects_a_negative_seed():
    with pytest.raises(ValueError, match="seed"):
        train(keras.Sequential([NAC(1)]), GOOD_X, GOOD_Y, steps=5, seed=-1)


@pytest.mark.parametrize("schedule", [False, True])
def test_fused_adam_is_kerass_adam(schedule):
    # train_many applies a plain Adam itself, with a constant learning rate or a schedule (as
    # benchmark.run's linear decay); a subclass goes through Keras's own update
    class KerasAdam(keras.optimizers.Adam):
        pass

    def rate():
        return keras.optimizers.schedules.PolynomialDecay(0.05, 200, 1e-4) if schedule else 0.01

    assert optimizers.fused_adam(keras.optimizers.Adam(rate())) is not None
    assert optimizers.fused_adam(KerasAdam(rate())) is None
    x, y = random_pairs("add", n=64, seed=2)
    runs = [
        train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, seeds=3, steps=200, optimizer=opt(rate()))
        for opt in (keras.optimizers.Adam, KerasAdam)
    ]
    np.testing.assert_allclose(runs[0].history.loss, runs[1].history.loss, rtol=1e-5, atol=1e-7)
    for fused, plain in zip(runs[0].weights, runs[1].weights, strict=True):
        np.testing.assert_allclose(fused, plain, rtol=1e-5, atol=1e-7)


def test_monitor_sees_the_weights_and_stops_early():
    x, y = random_pairs("add", n=64, seed=2)
    seen = []

    def monitor(done, ensemble):
        seen.append((done, ensemble.weights[0].shape))
        return done >= 300

    ensemble = train_many(
        lambda: keras.Sequential([NAC(1)]), x, y, seeds=4, steps=1000, every=100, record="last", monitor=monitor
    )
    assert [done for done, _ in seen] == [100, 200, 300]
    assert seen[0][1] == (4, 2, 1)
    assert ensemble.history.steps_run == 300 and ensemble.history.loss.shape == (3, 4)
    np.testing.assert_array_equal(ensemble.history.steps, [99, 199, 299])


def test_a_stream_makes_its_own_targets():
    from nalu_lib.tasks.static_task.stream import StaticTaskStream

    stream = StaticTaskStream("add", [0, 1])
    with pytest.raises(ValueError, match="leave y=None"):
        train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), stream, np.zeros((4, 1)), seeds=[0, 1], steps=5)
    ensemble = train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), stream, seeds=[0, 1], steps=50)
    assert ensemble.history.loss.shape == (50, 2) and np.all(np.isfinite(ensemble.history.loss))


@pytest.mark.parametrize("fused", [True, False])
def test_a_resumed_run_is_the_uninterrupted_run(fused):
    # a run in two parts (the second from the first's state, with a new optimizer) ends with
    # the weights, Adam state and step count of the run in one go, with a ramped regulariser
    class KerasAdam(keras.optimizers.Adam):
        pass

    make = keras.optimizers.Adam if fused else KerasAdam
    x, y = random_pairs("sub", n=64, seed=3)

    def build():
        return keras.Sequential([NAU(2, sparsity=0.01, sparsity_start=100, sparsity_end=300), NAU(1)])

    def run(steps, resume=None):
        return train_many(build, x, y, seeds=3, steps=steps, batch_size=16, optimizer=make(0.01), resume=resume)

    whole, first = run(400), run(150)
    second = run(400, resume=first.state())
    for a, b in zip(whole.weights, second.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(whole.history.loss[150:], second.history.loss)
    assert second.history.steps[0] == 150 and second.history.steps_run == 400
    state = second.state()
    assert state["step"] == 400 and int(state["optimizer"]["0"]) == 400  # Adam's iterations
    for saved, ours in zip(whole.state()["optimizer"].values(), state["optimizer"].values(), strict=True):
        np.testing.assert_array_equal(saved, ours)


def test_a_resume_that_does_not_fit_is_refused():
    x, y = random_pairs("add", n=64, seed=3)
    first = train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, seeds=2, steps=20)
    state = first.state()
    with pytest.raises(ValueError, match="nothing is left to run"):
        train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, seeds=2, steps=20, resume=state)
    with pytest.raises(ValueError, match="shapes"):
        train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, seeds=3, steps=40, resume=state)
    with pytest.raises(ValueError, match="same kind"):
        train_many(
            lambda: keras.Sequential([NAC(2), NAC(1)]),
            x,
            y,
            seeds=2,
            steps=40,
            optimizer="sgd",
            learning_rate=0.1,
            resume=state,
        )
    with pytest.raises(ValueError, match="resume must be"):
        train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, seeds=2, steps=40, resume={"step": 5})
    with pytest.raises(ValueError, match=r"resume\['step'\]"):
        train_many(lambda: keras.Sequential([NAC(2), NAC(1)]), x, y, seeds=2, steps=40, resume={**state, "step": 1.5})


def test_an_optimizer_that_trained_other_weights_is_refused():
    x, y = random_pairs("add", n=64, seed=3)
    optimizer = keras.optimizers.Adam(0.01)
    train_many(lambda: keras.Sequential([NAC(1)]), x, y, seeds=2, steps=20, optimizer=optimizer)
    with pytest.raises(ValueError, match="optimizer has already trained other weights"):
        train_many(lambda: keras.Sequential([NAC(1)]), x, y, seeds=2, steps=20, optimizer=optimizer)


def test_a_resumed_run_reports_where_the_uninterrupted_one_would():
    x, y = random_pairs("add", n=64, seed=3)
    heard = {"whole": [], "resumed": []}

    def run(steps, key=None, resume=None):
        def callback(done, losses):
            if key is not None:
                heard[key].append(done)

        return train_many(
            lambda: keras.Sequential([NAC(1)]), x, y, seeds=2, steps=steps, callback=callback, resume=resume
        )

    run(400, "whole")
    run(400, "resumed", resume=run(150).state())
    assert heard["resumed"] == [done for done in heard["whole"] if done > 150] and heard["whole"][0] == 8


def test_train_many_refuses_a_unit_with_an_activity_regularizer():
    x = np.random.default_rng(0).uniform(0, 1, (32, 2)).astype(np.float32)
    build = lambda: keras.Sequential([NAC(1, activity_regularizer=keras.regularizers.L2(10.0))])  # noqa: E731
    with pytest.raises(ValueError, match="regularizers"):
        train_many(build, x, x.sum(axis=1), seeds=2, steps=5)
