"""The tasks and data sets of the series, as seeded numpy arrays.

* :mod:`~nalu_lib.tasks.operations`: the operations, and the one check of an operation's name.
* :mod:`~nalu_lib.tasks.article`: the article's toy data, the identity task, random pairs
  (notebooks 01 to 03).
* :mod:`~nalu_lib.tasks.static_task`: the static arithmetic task: fixed arrays for short runs,
  and Madsen & Johansen's protocol, cells, runner and committed results (notebooks 04, 05).
* :mod:`~nalu_lib.tasks.sequences`: the recurrent task, digit sequences and number words
  (notebooks 07 to 09).
* :mod:`~nalu_lib.tasks.simple_arithmetic`: Heim et al.'s simple arithmetic task for the NPU,
  and its committed run (notebook 10; not imported here: its stream needs TensorFlow).

The public functions of the first, second and last, and the static task's arrays, are here too:
``tasks.article_task(...)``.
"""

from nalu_lib.tasks.article import article_extrapolation_set, article_task, identity_task, random_pairs
from nalu_lib.tasks.operations import OPERATIONS, apply_op
from nalu_lib.tasks.sequences import (
    DIGIT_CLASSES,
    LANGUAGES,
    RECURRENT_OPS,
    DigitSequences,
    DigitSequenceSet,
    NumberSplit,
    RecurrentTask,
    digit_sequences,
    encode_numbers,
    number_split,
    number_tokens,
    number_words,
    recurrent_arithmetic_task,
)
from nalu_lib.tasks.static_task.task import StaticTask, static_arithmetic_task

__all__ = [
    "DIGIT_CLASSES",
    "LANGUAGES",
    "OPERATIONS",
    "RECURRENT_OPS",
    "DigitSequenceSet",
    "DigitSequences",
    "NumberSplit",
    "RecurrentTask",
    "StaticTask",
    "apply_op",
    "article_extrapolation_set",
    "article_task",
    "digit_sequences",
    "encode_numbers",
    "identity_task",
    "number_split",
    "number_tokens",
    "number_words",
    "random_pairs",
    "recurrent_arithmetic_task",
    "static_arithmetic_task",
]
