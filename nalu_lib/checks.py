"""Argument checks shared by nalu_lib's modules: each raises a ``ValueError`` that names the
bad argument and shows the value it got, so a student sees at once which argument to fix.

The layers, the data generators, the trainers and the widgets call these for most numbers they
take. A few checks stay where they arise, with messages of the same form: a bound that depends
on another argument or on the task (``first_step`` below ``steps``, ``n`` at most 1000 in
:func:`~nalu_lib.tasks.sequences.number_tokens`, a ``confidence`` below 1), and the playground's
own wording for its settings (:meth:`~nalu_lib.notebook.widgets.Settings.check`). No notebook
calls these functions; notebooks meet them as the ValueErrors of what they call.

One exercise check lives here too, :func:`check_token_counts`: it computes the answer it
expects itself, so that the notebook's check cell does not show it before the exercise is
solved, and it raises an ``AssertionError`` (the form of every exercise check) with a hint, in
English and then in Chinese (the Chinese edition's notebooks run the same check cells).
"""

# The hints' Chinese lines are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["check_integer", "check_number", "check_range", "check_seeds", "check_subsets", "check_token_counts"]


def check_number(name: str, value, *, positive: bool = False, minimum: float | None = None) -> float:
    """``value`` as a float, or a ValueError naming ``name``.

    Accepts a finite real number (not ``bool``); with ``positive``, above 0; with ``minimum``,
    at least ``minimum``. For learning rates, ranges' scales and the like.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        kind = "a positive finite number" if positive else "a finite number"
        raise ValueError(f"{name} must be {kind}, got {name}={value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {name}={value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be a number >= {minimum}, got {name}={value!r}")
    return float(value)


def check_integer(name: str, value, *, minimum: int | None = None, allow_none: bool = False) -> int | None:
    """``value`` as an ``int``, or a ValueError naming ``name``.

    Accepts Python and numpy integers (not ``bool``, not ``2.0``); with ``minimum``, at least
    ``minimum``; with ``allow_none``, also ``None``, returned as is. For steps, sizes and seeds.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or (minimum is not None and value < minimum):
        what = "an integer" if minimum is None else f"an integer >= {minimum}"
        if allow_none:
            what += " or None"
        raise ValueError(f"{name} must be {what}, got {name}={value!r}")
    return int(value)


def check_range(name: str, low, high) -> tuple[float, float]:
    """``(low, high)`` as floats, or a ValueError naming ``name`` unless both are finite and
    ``low < high``: the data generators' input ranges."""
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"{name} must be two finite numbers, got {name}=({low!r}, {high!r})")
    if not low < high:
        raise ValueError(f"{name} needs low < high, got {name}=({low!r}, {high!r})")
    return float(low), float(high)


def check_seeds(seeds) -> list[int]:
    """A count (``10`` means seeds 0 to 9) or an iterable of distinct non-negative integers, as a
    list; otherwise a ValueError naming ``seeds``: ``train_many``'s and the static task's seeds."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds <= 0:
            raise ValueError(f"seeds must be a positive count or a list of seeds, got seeds={seeds!r}")
        return list(range(int(seeds)))
    try:
        values = list(seeds)
    except TypeError:
        raise ValueError(f"seeds must be a count or a list of non-negative integers, got seeds={seeds!r}") from None
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in values):
        raise ValueError(f"seeds must be a count or a list of non-negative integers, got seeds={seeds!r}")
    if not values:
        raise ValueError("seeds is empty: give a count or at least one seed")
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct, got seeds={values!r}")
    return [int(s) for s in values]


def check_subsets(input_size, subset_size, overlap) -> tuple[int, int, int]:
    """Two subsets of ``subset_size`` positions out of ``input_size``, sharing ``overlap``: the
    three as ints, or a ValueError naming the argument that does not fit (the static and the
    recurrent arithmetic tasks, notebooks 04, 05 and 07)."""
    input_size = check_integer("input_size", input_size, minimum=1)
    subset_size = check_integer("subset_size", subset_size, minimum=1)
    if subset_size > input_size:
        raise ValueError(f"subset_size must be at most input_size={input_size}, got subset_size={subset_size}")
    overlap = check_integer("overlap", overlap, minimum=0)
    if overlap > subset_size:
        raise ValueError(f"overlap must be at most subset_size={subset_size}, got overlap={overlap}")
    if 2 * subset_size - overlap > input_size:
        raise ValueError(
            f"two subsets of subset_size={subset_size} sharing overlap={overlap} need "
            f"{2 * subset_size - overlap} positions, but input_size={input_size}"
        )
    return input_size, subset_size, overlap


def check_token_counts(n_tokens) -> None:
    """Notebook 09's exercise 1: ``n_tokens`` must be ``{"en": ..., "zh": ...}``, how many distinct
    tokens each language needs for the numbers 0 to 999.

    The right counts are computed here, from :func:`~nalu_lib.tasks.sequences.number_tokens`, so
    the notebook's check cell shows no answer. A wrong answer raises an ``AssertionError`` whose
    message points at the mistake without giving the number: a dict with other keys, counts
    that are not whole numbers, 1000 counted too, a Chinese number taken as one token, the two
    languages swapped.
    """
    from nalu_lib.tasks.sequences import number_tokens, number_words  # here: sequences imports this module

    assert isinstance(n_tokens, dict), (
        "n_tokens should be a dict: {'en': number of tokens, 'zh': number of tokens}\n"
        "n_tokens 应是一个字典：{'en': 词元个数, 'zh': 词元个数}"
    )
    keys = sorted(map(str, n_tokens))
    assert set(n_tokens) == {"en", "zh"}, (
        f"n_tokens should have the keys 'en' and 'zh', got {keys}\n"
        f"n_tokens 的键应为 'en' 和 'zh'，实际为 {keys}"
    )
    for language, count in n_tokens.items():
        whole = isinstance(count, numbers.Real) and not isinstance(count, bool) and float(count).is_integer()
        assert whole, (
            f"n_tokens[{language!r}] should be a whole number of tokens, got {count!r}\n"
            f"n_tokens[{language!r}] 应是整数个词元，实际为 {count!r}"
        )
    n_tokens = {language: int(count) for language, count in n_tokens.items()}

    def distinct(language, last, split=number_tokens):
        return len({token for n in range(last + 1) for token in split(n, language)})

    right = {language: distinct(language, 999) for language in ("en", "zh")}
    if n_tokens == right:
        return
    assert {"en": n_tokens["zh"], "zh": n_tokens["en"]} != right, (
        "the two counts are swapped: check which is which\n"
        "两个计数放反了：请核对哪个属于哪种语言"
    )
    for language, name, unit, name_zh, unit_zh in (
        ("en", "English", "word", "英文", "单词"),
        ("zh", "Chinese", "character", "中文", "汉字"),
    ):
        if n_tokens[language] == right[language]:
            continue
        assert n_tokens[language] != distinct(language, 1000), (
            f"{name}: count the tokens of 0 to 999 only: 1000 is not one of the numbers the models read\n"
            f"{name_zh}：只统计 0 到 999 的词元：1000 不在模型读取的数之中"
        )
        if language == "zh":
            assert n_tokens[language] != distinct(language, 999, lambda n, lang: number_words(n, lang).split()), (
                "Chinese: a token is a character (tasks.number_tokens), not a whole number written without spaces\n"
                "中文：一个词元是一个汉字（tasks.number_tokens），而不是不带空格写成的整个数"
            )
        raise AssertionError(
            f"{name}: count each distinct {unit} of the numbers 0 to 999 once; tasks.number_tokens(n, {language!r}) "
            "gives the tokens of n\n"
            f"{name_zh}：0 到 999 这些数中每个不同的{unit_zh}只计一次；"
            f"tasks.number_tokens(n, {language!r}) 给出 n 的词元"
        )
