"""Sequence and language data: the recurrent task's targets, seeds, and bad arguments."""

import numpy as np
import pytest

from nalu_lib import tasks as data


@pytest.mark.parametrize("op", ["add", "sub", "prod"])
def test_recurrent_task_targets_and_shapes(op):
    kwargs = {"value_range": (0.9, 1 / 0.9)} if op == "prod" else {}
    task = data.recurrent_arithmetic_task(op, n_train=20, n_test=5, test_lengths=(30, 50), seed=3, **kwargs)
    assert task.x_train.shape == (20, 10, 10) and task.y_train.shape == (20, 1)
    assert sorted(task.tests) == [30, 50] and task.tests[50][0].shape == (5, 50, 10)
    assert len(task.a_index) == 3 and len(task.b_index) == 3 and len(set(task.a_index) & set(task.b_index)) == 1
    x = task.x_train.astype(np.float64)
    a, b = x[:, :, task.a_index], x[:, :, task.b_index]
    expected = {
        "add": a.sum((1, 2)) + b.sum((1, 2)),
        "sub": a.sum((1, 2)) - b.sum((1, 2)),
        "prod": a.prod((1, 2)) * b.prod((1, 2)),
    }[op]
    np.testing.assert_allclose(task.y_train[:, 0], expected, rtol=1e-6)
    assert all(v.dtype == np.float32 for v in (task.x_train, task.y_train, *task.tests[30]))


def test_recurrent_task_is_seeded_and_tests_differ_from_training():
    one, two = data.recurrent_arithmetic_task(seed=1), data.recurrent_arithmetic_task(seed=1)
    np.testing.assert_array_equal(one.x_train, two.x_train)
    np.testing.assert_array_equal(one.tests[100][0], two.tests[100][0])
    other = data.recurrent_arithmetic_task(seed=2)
    assert not np.array_equal(one.x_train, other.x_train)
    assert not np.array_equal(one.tests[100][0][:, :10], one.x_train[:100])


def test_product_inputs_are_log_uniform_within_the_range():
    task = data.recurrent_arithmetic_task("prod", value_range=(0.5, 2.0), n_train=2000, test_lengths=(1,))
    logs = np.log(task.x_train.astype(np.float64))
    assert logs.min() >= np.log(0.5) - 1e-6 and logs.max() <= np.log(2.0) + 1e-6
    assert abs(logs.mean()) < 0.01  # log-uniform on a log-symmetric range: centred on log 1 = 0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"op": "mul"}, "op"),
        ({"train_length": 0}, "train_length"),
        ({"test_lengths": (100, 0)}, "test_lengths"),
        ({"test_lengths": 100}, "test_lengths"),
        ({"n_train": 1.5}, "n_train"),
        ({"n_test": 0}, "n_test"),
        ({"input_size": 4}, "input_size"),
        ({"subset_size": 0}, "subset_size"),
        ({"overlap": 4}, "overlap"),
        ({"value_range": (1.0, 1.0)}, "value_range"),
        ({"op": "prod", "value_range": (0.0, 1.0)}, "value_range"),
        ({"op": "prod", "value_range": (1e-30, 1e30), "test_lengths": (1000,)}, "value_range"),
        ({"seed": -1}, "seed"),
    ],
)
def test_recurrent_task_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data.recurrent_arithmetic_task(**kwargs)


# --------------------------------------------------------------------------- number words


@pytest.mark.parametrize(
    ("n", "english", "chinese"),
    [
        (0, "zero", "零"),
        (15, "fifteen", "十五"),
        (21, "twenty one", "二十一"),
        (105, "one hundred and five", "一百零五"),
        (110, "one hundred and ten", "一百一十"),
        (300, "three hundred", "三百"),
        (712, "seven hundred and twelve", "七百一十二"),
        (999, "nine hundred and ninety nine", "九百九十九"),
        (1000, "one thousand", "一千"),
    ],
)
def test_number_words(n, english, chinese):
    assert data.number_words(n) == english
    assert data.number_words(n, "zh") == chinese


def test_every_number_has_its_own_words():
    for language in data.LANGUAGES:
        words = [data.number_words(n, language) for n in range(1001)]
        assert len(set(words)) == 1001, language


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_number_split_guarantees(language, seed):
    split = data.number_split(language, seed=seed)
    train, validation, test = (set(s.tolist()) for s in (split.train, split.validation, split.test))
    assert (len(train), len(validation), len(test)) == (169, 200, 631)
    assert train | validation | test == set(range(1000))
    assert not (train & validation or train & test or validation & test)
    assert set(range(20)) <= train
    seen = {t for n in train for t in data.number_tokens(n, language)}
    everywhere = {t for n in range(1000) for t in data.number_tokens(n, language)}
    assert seen == everywhere == set(split.vocabulary)


def test_number_split_is_seeded():
    one, two, other = data.number_split(seed=3), data.number_split(seed=3), data.number_split(seed=4)
    np.testing.assert_array_equal(one.test, two.test)
    assert not np.array_equal(one.test, other.test)


def test_encode_numbers():
    split = data.number_split("en")
    x, y = data.encode_numbers([7, 712, 300], split)
    assert x.shape == (3, 4) and y.ravel().tolist() == [7, 712, 300] and x.dtype == np.float32
    assert x[0, 1:].tolist() == [0, 0, 0]  # padding after the last token
    decoded = [split.vocabulary[int(i) - 1] for i in x[1]]
    assert decoded == ["seven", "hundred", "and", "twelve"]


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: data.number_words(1001), "n"),
        (lambda: data.number_words(-1), "n"),
        (lambda: data.number_words(3.0), "n"),
        (lambda: data.number_tokens(3, "fr"), "language"),
        (lambda: data.number_split("fr"), "language"),
        (lambda: data.number_split(n_train=19), "n_train"),
        (lambda: data.number_split(n_train=25), "n_train"),
        (lambda: data.number_split(n_validation=900), "n_validation"),
        (lambda: data.number_split(n_validation=-1), "n_validation"),
        (lambda: data.number_split(largest=5000), "largest"),
        (lambda: data.number_split(seed=-2), "seed"),
    ],
)
def test_number_data_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --------------------------------------------------------------------------- handwritten digits


@pytest.fixture(scope="module")
def digit_data():
    return data.digit_sequences(n_train=40, n_test=6, test_lengths=(5, 300), seed=2)


def test_digit_split_keeps_every_test_image_out_of_training(digit_data):
    from sklearn.datasets import load_digits

    train_source, test_source = set(digit_data.train_source.tolist()), set(digit_data.test_source.tolist())
    assert not train_source & test_source
    assert train_source | test_source == set(range(1797))
    assert abs(len(test_source) - 1797 / 2) <= 1
    assert set(np.unique(digit_data.train.source).tolist()) <= train_source
    for test in digit_data.tests.values():
        assert set(np.unique(test.source).tolist()) <= test_source
    # by content too: no training sequence holds the pixels of any test image (load_digits has no duplicates)
    test_pixels = {image.tobytes() for image in digit_data.test_images}
    assert not any(image.tobytes() in test_pixels for image in digit_data.train.x.reshape(-1, 8, 8, 1))
    # and every image is the one its source index names, scaled to [0, 1]
    images = load_digits().images
    np.testing.assert_allclose(digit_data.train.x[..., 0], images[digit_data.train.source] / 16, rtol=1e-6)
    np.testing.assert_allclose(digit_data.test_images[..., 0], images[digit_data.test_source] / 16, rtol=1e-6)


def test_digit_sequences_labels_targets_and_shapes(digit_data):
    from sklearn.datasets import load_digits

    target = load_digits().target
    assert digit_data.train.x.shape == (40, 10, 8, 8, 1) and digit_data.train.x.dtype == np.float32
    assert sorted(digit_data.tests) == [5, 300] and digit_data.tests[300].x.shape == (6, 300, 8, 8, 1)
    for part in (digit_data.train, *digit_data.tests.values()):
        n, length = part.labels.shape
        np.testing.assert_array_equal(part.labels, target[part.source])
        assert part.counts.shape == (n, 10) and part.sums.shape == (n, 1)
        assert part.counts.dtype == part.sums.dtype == np.float32
        np.testing.assert_array_equal(part.counts.sum(axis=1), length)
        np.testing.assert_array_equal(part.counts @ np.arange(10), part.sums[:, 0])
        np.testing.assert_array_equal(part.sums[:, 0], part.labels.sum(axis=1))
    np.testing.assert_array_equal(digit_data.train_labels, target[digit_data.train_source])
    assert 0 <= digit_data.train.x.min() and digit_data.train.x.max() <= 1


def test_digit_sequences_are_seeded():
    one = data.digit_sequences(n_train=5, n_test=2, test_lengths=(20,), seed=4)
    two = data.digit_sequences(n_train=5, n_test=2, test_lengths=(20,), seed=4)
    other = data.digit_sequences(n_train=5, n_test=2, test_lengths=(20,), seed=5)
    np.testing.assert_array_equal(one.train.source, two.train.source)
    np.testing.assert_array_equal(one.tests[20].source, two.tests[20].source)
    assert not np.array_equal(one.test_source, other.test_source)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"train_length": 0}, "train_length"),
        ({"test_lengths": (100, 0)}, "test_lengths"),
        ({"test_lengths": 100}, "test_lengths"),
        ({"n_train": 2.0}, "n_train"),
        ({"n_test": 0}, "n_test"),
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"test_fraction": 1e-9}, "test_fraction"),
        ({"test_fraction": "half"}, "test_fraction"),
        ({"seed": -1}, "seed"),
    ],
)
def test_digit_sequences_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data.digit_sequences(**kwargs)
