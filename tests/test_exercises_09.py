"""Notebook 09's exercise check accepts every right form of the answer and rejects wrong ones,
each with its own message."""

import pytest
from exercise_kernel import ExerciseKernel


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel("09_from_words_to_numbers.ipynb") as k:
        yield k


@pytest.mark.parametrize(
    "answer",
    [
        'n_tokens = {"zh": 12, "en": 30}',
        'n_tokens = {language: np.int64(len(splits[language].vocabulary)) for language in ("en", "zh")}',
        "n_tokens = {language: len(set().union(*(tasks.number_tokens(n, language) for n in range(1000))))"
        ' for language in ("en", "zh")}',
    ],
)
def test_09_ex1_accepts_right_forms(kernel, answer):
    ok, output = kernel.check("09-ex1", answer)
    assert ok and "Exercise 1: correct" in output, output


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        # 0 to 1000: "thousand" and 千 counted too
        (
            "n_tokens = {language: len({t for n in range(1001) for t in tasks.number_tokens(n, language)})"
            ' for language in ("en", "zh")}',
            "English: 20 words below twenty",
        ),
        # Chinese split on spaces: every number one token
        (
            "n_tokens = {language: len({t for n in range(1000) for t in tasks.number_words(n, language).split()})"
            ' for language in ("en", "zh")}',
            "Chinese: ten digits",
        ),
        ("n_tokens = 42", "n_tokens should be a dict"),
        ("n_tokens = [30, 12]", "n_tokens should be a dict"),
        ('n_tokens = {"english": 30, "chinese": 12}', "keys 'en' and 'zh'"),
    ],
)
def test_09_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("09-ex1", answer)
    assert not ok and message in output, output
