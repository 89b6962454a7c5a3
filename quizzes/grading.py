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

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from quizzes.models import CHOICE_KINDS, Question, QuestionKind

MAX_TEXT_ANSWER = 500


def normalise_text(value: str) -> str:
    """Compare fill-in answers regardless of case, width and spacing.

    NFKC folds full-width forms (``ＡＢＣ１２３``, the ideographic space) into their
    ordinary forms; casefold ignores case; inner runs of spaces count as one.
    """
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(folded.split())


@dataclass(frozen=True)
class Key:
    """What the grader needs to know about a question, read once per attempt."""

    kind: str
    correct_choices: frozenset[int]
    is_true: bool | None
    accepted: frozenset[str]

    @classmethod
    def of(cls, question: Question) -> "Key":
        return cls(
            kind=question.kind,
            correct_choices=frozenset(
                choice.pk for choice in question.choices.all() if choice.is_correct
            ),
            is_true=question.is_true,
            accepted=frozenset(
                normalise_text(answer) for answer in question.accepted_answer_list()
            ),
        )


def is_correct(key: Key, response) -> bool:
    if response is None:
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

    ``choice_ids`` are the question's choices in the attempt's shown order; the client
    sends keys (positions in that order). Raises ValidationError with a message the
    member can act on.
    """
    if raw is None or raw == "" or raw == []:
        return None
    if kind in CHOICE_KINDS:
        values = raw if isinstance(raw, list) else [raw]
        try:
            keys = [int(value) for value in values if not isinstance(value, bool)]
        except (TypeError, ValueError):
            raise ValidationError(_("Choose from the listed choices.")) from None
        if len(keys) != len(values) or not all(
            0 <= key < len(choice_ids) for key in keys
        ):
            raise ValidationError(_("Choose from the listed choices."))
        ids = [choice_ids[key] for key in keys]
        if kind == QuestionKind.SINGLE:
            if len(set(ids)) != 1:
                raise ValidationError(_("Choose exactly one answer."))
            return ids[0]
        return sorted(set(ids))
    if kind == QuestionKind.TRUE_FALSE:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in {"true", "false"}:
            return raw.lower() == "true"
        raise ValidationError(_("Answer true or false."))
    if not isinstance(raw, str):
        raise ValidationError(_("Type your answer as text."))
    if len(raw) > MAX_TEXT_ANSWER:
        raise ValidationError(
            _("Answers are at most %(max)d characters long.") % {"max": MAX_TEXT_ANSWER}
        )
    return raw.strip() or None
