"""Notebook 09's exercise check accepts every right form of the answer and rejects wrong ones,
each with its own message, and its check cell does not show the answer."""

import json
import re

import pytest
from exercise_kernel import NOTEBOOKS, ExerciseKernel

from nalu_lib.checks import check_token_counts
from nalu_lib.tasks import number_tokens

NOTEBOOK = "09_from_words_to_numbers.ipynb"
RIGHT = {language: len({t for n in range(1000) for t in number_tokens(n, language)}) for language in ("en", "zh")}


@pytest.fixture(scope="module")
def kernel():
    with ExerciseKernel(NOTEBOOK) as k:
        yield k


def test_09_ex1_check_cell_shows_no_answer():
    cells = json.loads((NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))["cells"]
    check = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == "09-ex1-check")
    source = "".join(check["source"])
    for count in RIGHT.values():
        assert str(count) not in source, f"the check cell shows the answer {count}"


@pytest.mark.parametrize(
    "answer",
    [
        'n_tokens = {"zh": 12, "en": 30}',
        'n_tokens = {language: np.int64(len(splits[language].vocabulary)) for language in ("en", "zh")}',
        "n_tokens = {language: len(set().union(*(tasks.number_tokens(n, language) for n in range(1000))))"
        ' for language in ("en", "zh")}',
        'n_tokens = {"en": 30.0, "zh": 12.0}',  # whole numbers as floats
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
            "count the tokens of 0 to 999 only",
        ),
        # Chinese split on spaces: every number one token
        (
            "n_tokens = {language: len({t for n in range(1000) for t in tasks.number_words(n, language).split()})"
            ' for language in ("en", "zh")}',
            "Chinese: a token is a character",
        ),
        ('n_tokens = {"en": 12, "zh": 30}', "swapped"),
        ('n_tokens = {"en": 29, "zh": 12}', "English: count each distinct word"),
        ('n_tokens = {"en": 30, "zh": 11}', "Chinese: count each distinct character"),
        ('n_tokens = {"en": 30.5, "zh": 12}', "whole number"),
        ("n_tokens = 42", "n_tokens should be a dict"),
        ("n_tokens = [30, 12]", "n_tokens should be a dict"),
        ('n_tokens = {"english": 30, "chinese": 12}', "keys 'en' and 'zh'"),
    ],
)
def test_09_ex1_rejects_wrong_answers(kernel, answer, message):
    ok, output = kernel.check("09-ex1", answer)
    assert not ok and message in output, output
    for count in RIGHT.values():
        if str(count) not in answer:
            assert not re.search(rf"(?<![\d.]){count}(?![\d.])", output), f"the message gives the answer away: {output}"


def test_check_token_counts_messages_name_no_count():
    """Every message of the library check, for a spread of wrong counts, leaves the right ones out."""
    for en in range(25, 36):
        for zh in range(8, 16):
            answer = {"en": en, "zh": zh}
            if answer == RIGHT:
                check_token_counts(answer)
                continue
            with pytest.raises(AssertionError) as error:
                check_token_counts(answer)
            words = str(error.value).replace(",", " ").replace(".", " ").split()
            assert str(RIGHT["en"]) not in words and str(RIGHT["zh"]) not in words, str(error.value)
