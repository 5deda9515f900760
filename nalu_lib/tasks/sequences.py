"""Sequence and language data for notebooks 07 to 09: the recurrent arithmetic task,
sequences of handwritten digits, and number words in English and Chinese.

Every generator is seeded (the same arguments give the same arrays), checks its arguments
(a ValueError names the bad one), and returns float32 numpy arrays (class labels and indices:
integer arrays).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nalu_lib.checks import check_integer, check_number, check_range, check_subsets
from nalu_lib.tasks.operations import check_op

__all__ = [
    "DIGIT_CLASSES",
    "LANGUAGES",
    "RECURRENT_OPS",
    "DigitSequenceSet",
    "DigitSequences",
    "NumberSplit",
    "RecurrentTask",
    "digit_sequences",
    "encode_numbers",
    "number_split",
    "number_tokens",
    "number_words",
    "recurrent_arithmetic_task",
]

#: Operations of the recurrent arithmetic task: ``a + b`` and ``a - b`` of the two running sums,
#: or ``"prod"``, the same inputs multiplied instead of added.
RECURRENT_OPS = ("add", "sub", "prod")


# --------------------------------------------------------------------------- notebook 07


@dataclass(frozen=True)
class RecurrentTask:
    """The recurrent arithmetic task at several lengths (see :func:`recurrent_arithmetic_task`).

    Attributes:
        op: ``"add"``, ``"sub"`` or ``"prod"``.
        a_index, b_index: The input positions summed into ``a`` and into ``b``.
        x_train, y_train: Training sequences ``(n_train, train_length, input_size)`` and targets
            ``(n_train, 1)``.
        tests: ``{length: (x, y)}``, test sequences of each test length, drawn apart from the
            training ones.

    Notebook 07 uses it.
    """

    op: str
    a_index: np.ndarray
    b_index: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    tests: dict = field(default_factory=dict)


def _check_lengths(train_length, test_lengths) -> tuple[int, tuple[int, ...]]:
    """The training length and the test lengths as ints, or a ValueError naming the bad one."""
    train_length = check_integer("train_length", train_length, minimum=1)
    try:
        test_lengths = tuple(check_integer("test_lengths", n, minimum=1) for n in test_lengths)
    except TypeError:
        raise ValueError(f"test_lengths must be a tuple of integers >= 1, got test_lengths={test_lengths!r}") from None
    return train_length, test_lengths


def recurrent_arithmetic_task(
    op: str = "add",
    *,
    train_length: int = 10,
    test_lengths: tuple[int, ...] = (100, 1000),
    n_train: int = 500,
    n_test: int = 100,
    input_size: int = 10,
    subset_size: int = 3,
    overlap: int = 1,
    value_range: tuple[float, float] = (0.0, 1.0),
    seed: int = 0,
) -> RecurrentTask:
    """The recurrent arithmetic task (Trask et al. 2018, section 4.1, recurrent version).

    At every time step ``t`` a vector ``x_t`` of ``input_size`` numbers is drawn uniformly from
    ``value_range``. ``a`` is the sum over *all* time steps of ``x_t`` at ``subset_size`` fixed
    positions, ``b`` the same over another ``subset_size`` positions (``overlap`` of them shared
    with ``a``'s); the target, given after the last step, is ``a + b`` (``op="add"``) or
    ``a - b`` (``"sub"``). With ``op="prod"`` the same inputs are multiplied instead of added:
    the target is the product over all time steps of ``x_t`` at ``a``'s positions times that at
    ``b``'s, and the inputs are drawn *log*-uniformly from ``value_range`` (``log x`` uniform),
    so that with a range such as ``(0.9, 1 / 0.9)`` the product drifts neither to 0 nor to
    infinity over a thousand steps.

    Sums grow with the length, so a model trained on ``train_length`` steps and tested on
    longer sequences must extrapolate. The positions and every example are drawn with ``seed``.
    Returns a :class:`RecurrentTask`. Notebook 07.
    """
    check_op(op, RECURRENT_OPS)
    train_length, test_lengths = _check_lengths(train_length, test_lengths)
    n_train = check_integer("n_train", n_train, minimum=1)
    n_test = check_integer("n_test", n_test, minimum=1)
    input_size, subset_size, overlap = check_subsets(input_size, subset_size, overlap)
    low, high = check_range("value_range", *value_range)
    if op == "prod" and low <= 0:
        raise ValueError(f"value_range must be positive for op='prod', got value_range={value_range!r}")
    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))
    positions = rng.permutation(input_size)
    a_index = np.sort(positions[:subset_size])
    b_index = np.sort(positions[subset_size - overlap : 2 * subset_size - overlap])

    def sample(n, length):
        shape = (n, length, input_size)
        if op == "prod":
            x = np.exp(rng.uniform(np.log(low), np.log(high), size=shape)).astype(np.float32)
        else:
            x = rng.uniform(low, high, size=shape).astype(np.float32)
        x64 = x.astype(np.float64)
        if op == "prod":
            log_y = np.log(x64[:, :, a_index]).sum(axis=(1, 2)) + np.log(x64[:, :, b_index]).sum(axis=(1, 2))
            with np.errstate(over="ignore"):  # beyond float64: inf, refused below
                y = np.exp(log_y)
        else:
            a = x64[:, :, a_index].sum(axis=(1, 2))
            b = x64[:, :, b_index].sum(axis=(1, 2))
            y = a + b if op == "add" else a - b
        with np.errstate(over="ignore"):  # beyond float32: inf, refused below
            y32 = y.astype(np.float32)[:, None]
        if not np.all(np.isfinite(y32)) or (op == "prod" and np.any(y32 == 0)):
            raise ValueError(
                f"the targets of op={op!r} leave float32's range for sequences of length {length}: "
                "choose a narrower value_range or shorter sequences"
            )
        return x, y32

    x_train, y_train = sample(n_train, train_length)
    tests = {length: sample(n_test, length) for length in test_lengths}
    return RecurrentTask(op, a_index, b_index, x_train, y_train, tests)


# --------------------------------------------------------------------------- notebook 08

#: The number of digit classes, 0 to 9.
DIGIT_CLASSES = 10


@dataclass(frozen=True)
class DigitSequenceSet:
    """Sequences of handwritten digits with their targets (see :func:`digit_sequences`).

    Attributes:
        x: The images, ``(n, length, 8, 8, 1)``, pixel values scaled to ``[0, 1]``.
        labels: The digit shown by each image, ``(n, length)``, integers 0 to 9.
        counts: How often each digit occurs in each sequence, ``(n, 10)``.
        sums: The sum of each sequence's digits, ``(n, 1)``.
        source: Where each image comes from: its index in scikit-learn's ``load_digits()``,
            ``(n, length)``.

    Notebook 08 uses it.
    """

    x: np.ndarray
    labels: np.ndarray
    counts: np.ndarray
    sums: np.ndarray
    source: np.ndarray


@dataclass(frozen=True)
class DigitSequences:
    """Handwritten digits split into training and test images, and sequences drawn from each
    split (see :func:`digit_sequences`).

    Attributes:
        train_images, test_images: The single images of each split, ``(m, 8, 8, 1)`` in ``[0, 1]``.
        train_labels, test_labels: Their digits, ``(m,)``.
        train_source, test_source: Their indices in ``load_digits()``; no index is in both.
        train: A :class:`DigitSequenceSet` of ``train_length`` steps, drawn from the training
            images only.
        tests: ``{length: DigitSequenceSet}``, drawn from the test images only.

    Notebook 08 uses it.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    train_source: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    test_source: np.ndarray
    train: DigitSequenceSet
    tests: dict = field(default_factory=dict)


def digit_sequences(
    *,
    train_length: int = 10,
    test_lengths: tuple[int, ...] = (100, 1000),
    n_train: int = 1000,
    n_test: int = 100,
    test_fraction: float = 0.5,
    seed: int = 0,
) -> DigitSequences:
    """Sequences of handwritten digits to count and sum (Trask et al. 2018, section 4.2, with
    scikit-learn's 8x8 digits in place of MNIST's 28x28).

    The 1797 images of ``sklearn.datasets.load_digits`` (bundled with scikit-learn: nothing is
    downloaded) are split first, at random, into test images (``test_fraction`` of them) and
    training images; then ``n_train`` training sequences of ``train_length`` images are drawn
    from the training images alone and ``n_test`` test sequences of each length in
    ``test_lengths`` from the test images alone, so no test image is ever seen in training.
    Images are drawn uniformly with replacement; a sequence's targets are how often each digit
    occurs in it (``counts``) and the sum of its digits (``sums``). Every draw uses ``seed``.
    Returns a :class:`DigitSequences`. Notebook 08.
    """
    train_length, test_lengths = _check_lengths(train_length, test_lengths)
    n_train = check_integer("n_train", n_train, minimum=1)
    n_test = check_integer("n_test", n_test, minimum=1)
    test_fraction = check_number("test_fraction", test_fraction, positive=True)
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got test_fraction={test_fraction!r}")
    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))

    from sklearn.datasets import load_digits  # imported here: only notebook 08 needs scikit-learn

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]  # pixel values 0..16 -> [0, 1]
    labels = digits.target.astype(np.int64)
    order = rng.permutation(len(images))
    n_test_images = round(test_fraction * len(images))
    if not 0 < n_test_images < len(images):
        raise ValueError(f"test_fraction={test_fraction!r} leaves no training or no test images")
    test_source, train_source = np.sort(order[:n_test_images]), np.sort(order[n_test_images:])

    def sample(pool, n, length):
        source = pool[rng.integers(0, len(pool), size=(n, length))]
        digit = labels[source]
        counts = np.stack([(digit == k).sum(axis=1) for k in range(DIGIT_CLASSES)], axis=1)
        sums = digit.sum(axis=1, keepdims=True)
        return DigitSequenceSet(images[source], digit, counts.astype(np.float32), sums.astype(np.float32), source)

    train = sample(train_source, n_train, train_length)
    tests = {length: sample(test_source, n_test, length) for length in test_lengths}
    return DigitSequences(
        images[train_source],
        labels[train_source],
        train_source,
        images[test_source],
        labels[test_source],
        test_source,
        train,
        tests,
    )


# --------------------------------------------------------------------------- notebook 09

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_DIGITS_ZH = "零一二三四五六七八九"

#: The languages :func:`number_words` knows.
LANGUAGES = ("en", "zh")


def _english(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        rest = n % 100
        return [_ONES[n // 100], "hundred"] + (["and", *_english(rest)] if rest else [])
    return ["one", "thousand"]


def _chinese(n: int) -> list[str]:
    if n < 10:
        return [_DIGITS_ZH[n]]
    if n < 20:  # 十, 十一 ... 十九: no leading 一
        return ["十"] + ([_DIGITS_ZH[n % 10]] if n % 10 else [])
    if n < 100:
        return [_DIGITS_ZH[n // 10], "十"] + ([_DIGITS_ZH[n % 10]] if n % 10 else [])
    if n < 1000:
        hundreds, rest = [_DIGITS_ZH[n // 100], "百"], n % 100
        if rest == 0:
            return hundreds
        if rest < 10:
            return [*hundreds, "零", _DIGITS_ZH[rest]]  # 一百零五
        if rest < 20:
            return [*hundreds, "一", *_chinese(rest)]  # 一百一十五: the 一 is spoken here
        return hundreds + _chinese(rest)
    return ["一", "千"]


def number_tokens(n: int, language: str = "en") -> list[str]:
    """The words (English) or characters (Chinese) that name ``n``, for ``0 <= n <= 1000``.

    English as in the paper: ``712`` is ``["seven", "hundred", "and", "twelve"]``. Chinese:
    ``105`` is ``["一", "百", "零", "五"]`` (一百零五), ``999`` is 九百九十九, ``15`` is 十五 and
    ``115`` 一百一十五. Notebook 09.
    """
    n = check_integer("n", n, minimum=0)
    if n > 1000:
        raise ValueError(f"n must be an integer from 0 to 1000, got n={n!r}")
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got language={language!r}")
    return _english(n) if language == "en" else _chinese(n)


def number_words(n: int, language: str = "en") -> str:
    """``n`` written out: ``"seven hundred and twelve"``, or ``"一百零五"`` (no spaces in Chinese).

    The tokens are :func:`number_tokens`. Notebook 09.
    """
    return (" " if language == "en" else "").join(number_tokens(n, language))


@dataclass(frozen=True)
class NumberSplit:
    """Numbers split into training, validation and test sets (see :func:`number_split`).

    Attributes:
        language: ``"en"`` or ``"zh"``.
        vocabulary: Every token, in order; token ``vocabulary[i]`` is encoded as ``i + 1`` (0 pads).
        train, validation, test: The numbers of each set, sorted, as int arrays.

    Notebook 09 uses it.
    """

    language: str
    vocabulary: tuple
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def number_split(
    language: str = "en",
    *,
    n_train: int = 169,
    n_validation: int = 200,
    largest: int = 999,
    seed: int = 0,
) -> NumberSplit:
    """Split the numbers ``0 .. largest`` as the paper does for its language-to-number task
    (Trask et al. 2018, section 4.3): ``n_train`` training numbers that hold 0 to 19 and every
    token at least once, ``n_validation`` validation numbers, and the rest (631 with the
    defaults) for testing: no test number is a training number, and every token of a test
    number occurs in training.

    The training set is 0 to 19, then, for each token not yet in it, one number holding that
    token, then numbers drawn at random; all draws use ``seed``. Notebook 09.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got language={language!r}")
    largest = check_integer("largest", largest, minimum=19)
    if largest > 1000:
        raise ValueError(f"largest must be an integer from 19 to 1000, got largest={largest!r}")
    numbers = np.arange(largest + 1)
    tokens = {n: number_tokens(int(n), language) for n in numbers}
    vocabulary = tuple(dict.fromkeys(t for n in numbers for t in tokens[n]))
    n_train = check_integer("n_train", n_train, minimum=20)
    n_validation = check_integer("n_validation", n_validation, minimum=0)
    if n_train + n_validation >= len(numbers):
        raise ValueError(
            f"n_train + n_validation must leave test numbers: got n_train={n_train}, "
            f"n_validation={n_validation} for {len(numbers)} numbers"
        )
    rng = np.random.default_rng(check_integer("seed", seed, minimum=0))
    train = list(range(20))
    for token in vocabulary:
        if not any(token in tokens[n] for n in train):
            holders = [int(n) for n in numbers if token in tokens[n] and n not in train]
            train.append(int(rng.choice(holders)))
    if len(train) > n_train:
        raise ValueError(
            f"n_train must be at least {len(train)} to hold 0 to 19 and every token, got n_train={n_train}"
        )
    rest = rng.permutation(np.setdiff1d(numbers, train))
    extra = n_train - len(train)
    train = np.sort(np.concatenate([train, rest[:extra]])).astype(int)
    validation = np.sort(rest[extra : extra + n_validation])
    test = np.sort(rest[extra + n_validation :])
    return NumberSplit(language, vocabulary, train, validation, test)


def encode_numbers(numbers, split: NumberSplit) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and targets for ``numbers`` in ``split``'s language: ``(x, y)``.

    ``x`` has shape ``(n, longest)``, token ``split.vocabulary[i]`` encoded as ``i + 1`` and
    short numbers padded with 0 at the end (``keras.layers.Embedding(mask_zero=True)`` skips
    the padding); ``y`` is the numbers themselves, shape ``(n, 1)``. Both float32, as
    :func:`nalu_lib.train` takes them (the embedding rounds the ids back to integers). Notebook 09.
    """
    index = {token: i + 1 for i, token in enumerate(split.vocabulary)}
    sequences = [[index[t] for t in number_tokens(int(n), split.language)] for n in numbers]
    longest = max(len(s) for s in sequences)
    x = np.zeros((len(sequences), longest), dtype=np.float32)
    for row, ids in enumerate(sequences):
        x[row, : len(ids)] = ids
    return x, np.asarray(numbers, dtype=np.float32).reshape(-1, 1)
