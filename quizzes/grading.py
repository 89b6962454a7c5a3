"""Grading: pure functions from a question and a response to right or wrong.

A stored response has one shape per question type:
single choice -> a choice id (int); multiple choice -> a sorted list of choice ids;
true or false -> a bool; fill in the blank -> text. ``None`` means unanswered.

Clients never see choice ids: they name a choice by its *key*, its position in the
order shown in this attempt (0, 1, 2...). Ids grow in the editor's order, so showing
them would let members share "the answer is the lowest id" and defeat shuffling.
"""

import unicodedata
from dataclasses import dataclass
from functools import cache

import opencc
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.typed_text import holds_untypable
from quizzes.models import Question, QuestionKind

MAX_TEXT_ANSWER = 500
# An accepted answer longer than a member may type could never be matched.
ANSWER_TOO_LONG = _(
    "An accepted answer is at most 500 characters: members cannot type more."
)


@cache
def _simplified():
    """OpenCC's Traditional-to-Simplified converter (made once; about 10 ms)."""
    return opencc.OpenCC("t2s")


@cache
def _traditional():
    """OpenCC's Simplified-to-Traditional converter (Taiwan glyphs, as the site's
    zh_Hant catalogues use: scripts/hant_from_hans.py)."""
    return opencc.OpenCC("s2tw")


def traditional(value: str) -> str:
    return _traditional().convert(value)


def normalise_text(value: str) -> str:
    """Compare fill-in answers regardless of case, width, spacing and script.

    NFKC folds full-width forms (``ＡＢＣ１２３``, the ideographic space) into their
    ordinary forms; casefold ignores case; inner runs of spaces count as one; and
    Traditional characters count as their Simplified ones, so a member on a zh-Hant
    phone who types 黨章 is right where the editor accepted 党章 (and the other
    way round).
    """
    folded = _simplified().convert(unicodedata.normalize("NFKC", value)).casefold()
    return " ".join(folded.split())


@dataclass(frozen=True)
class Key:
    """What the grader needs to know about a question, read once per attempt."""

    kind: str
    correct_choices: frozenset[int]
    is_true: bool | None
    accepted: frozenset[str]

    @classmethod
    def of(cls, question: Question, choices=None) -> "Key":
        """The question's key as it stands; ``choices`` (already loaded) spares the
        query for them."""
        choices = question.choices.all() if choices is None else choices
        return cls(
            kind=question.kind,
            correct_choices=frozenset(
                choice.pk for choice in choices if choice.is_correct
            ),
            is_true=question.is_true,
            accepted=frozenset(
                normalise_text(answer) for answer in question.accepted_answer_list()
            ),
        )


def _shaped(kind: str, response) -> bool:
    """Whether ``response`` has ``kind``'s stored shape. An answer saved before its
    question's type was changed (questions have no drafts) has another one."""
    if kind == QuestionKind.SINGLE:
        return isinstance(response, int) and not isinstance(response, bool)
    if kind == QuestionKind.MULTIPLE:
        return isinstance(response, list)
    if kind == QuestionKind.TRUE_FALSE:
        return isinstance(response, bool)
    return isinstance(response, str)


def is_correct(key: Key, response) -> bool:
    if response is None or not _shaped(key.kind, response):
        return False
    if key.kind == QuestionKind.SINGLE:
        return len(key.correct_choices) == 1 and response in key.correct_choices
    if key.kind == QuestionKind.MULTIPLE:
        return bool(key.correct_choices) and set(response) == key.correct_choices
    if key.kind == QuestionKind.TRUE_FALSE:
        return key.is_true is not None and response is key.is_true
    return normalise_text(response) in key.accepted


def response_key(kind: str, response) -> str:
    """A canonical string for grouping equal answers in statistics."""
    if response is None:
        return ""
    if kind == QuestionKind.MULTIPLE:
        return ",".join(str(pk) for pk in sorted(response))
    if kind == QuestionKind.TRUE_FALSE:
        return "true" if response else "false"
    if kind == QuestionKind.SINGLE:
        return str(response)
    return normalise_text(response)[:255]


def clean_response(kind: str, choice_ids: list[int], raw):
    """Check a client's response against the question as drawn; return it as stored.

    ``raw`` has the API's JSON shape for the question type and nothing looser
    (docs/quizzes.md): single -> one key (an integer), multiple -> a list of keys,
    true_false -> a boolean, fill_blank -> text; ``None`` clears. ``"0"``, ``1.5``,
    ``[0]`` on a single-choice question or ``"true"`` on a true/false one are refused
    rather than guessed at. The attempt form's strings go through ``form_response``
    first. ``choice_ids`` are the question's choices in the attempt's shown order; the
    client sends keys (positions in that order). Raises ValidationError with a message
    the member can act on.
    """
    if raw is None:
        return None
    if kind == QuestionKind.SINGLE:
        if isinstance(raw, list):
            raise ValidationError(_("Choose exactly one answer."))
        return choice_ids[_choice_key(raw, choice_ids)]
    if kind == QuestionKind.MULTIPLE:
        if not isinstance(raw, list):
            raise ValidationError(_("Give the chosen keys as a list."))
        ids = {choice_ids[_choice_key(value, choice_ids)] for value in raw}
        # Nothing ticked is unanswered, as with every other type.
        return sorted(ids) or None
    if kind == QuestionKind.TRUE_FALSE:
        if not isinstance(raw, bool):
            raise ValidationError(_("Answer true or false."))
        return raw
    if not isinstance(raw, str):
        raise ValidationError(_("Type your answer as text."))
    if len(raw) > MAX_TEXT_ANSWER:
        raise ValidationError(
            _("Answers are at most %(max)d characters long.") % {"max": MAX_TEXT_ANSWER}
        )
    if holds_untypable(raw):
        raise ValidationError(_("The answer contains characters that are not allowed."))
    return raw.strip() or None


def _choice_key(value, choice_ids: list[int]) -> int:
    # ``bool`` is an ``int`` in Python, and 1.5 or "1" are no keys: refused, not
    # truncated or parsed.
    if type(value) is not int:
        raise ValidationError(_("Give choices by their keys, as whole numbers."))
    if not 0 <= value < len(choice_ids):
        raise ValidationError(_("Choose from the listed choices."))
    return value


def form_response(kind: str, values: list[str]):
    """The attempt form's fields in the API's shapes, for ``clean_response``.

    Radios and boxes post choice keys and ``true``/``false`` as text, every field as
    a list of strings. Text that is no key is passed on as text, which
    ``clean_response`` then refuses.
    """
    if kind == QuestionKind.MULTIPLE:
        return [_form_number(value) for value in values]
    if len(values) != 1:
        # Two values for a one-answer field: refused by clean_response as a list.
        return [_form_number(value) for value in values]
    value = values[0]
    if value == "":
        return None
    if kind == QuestionKind.SINGLE:
        return _form_number(value)
    if kind == QuestionKind.TRUE_FALSE:
        return {"true": True, "false": False}.get(value, value)
    return value


def _form_number(value: str):
    # ASCII digits only ("²".isdigit() is True, int("²") fails), and short enough
    # for int(): a longer number is no key anyway.
    if value.isascii() and value.isdigit() and len(value) <= 30:
        return int(value)
    return value
