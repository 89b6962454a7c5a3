"""Quizzes and bank questions that members have answered are kept.

Deleting a quiz would take every attempt at it with it (members' scores, what the
statistics and the organisers' reports count); deleting a bank question would take
members' answers to it. Wagtail's delete screens, single and bulk, call the
``before_delete_snippet`` hook before they show or do anything: ``refuse_answered``
answers there with the reason and what to do instead. The foreign keys are
``PROTECT`` too, so no other path (the shell, a script) erases answers either, and
``KeepAnsweredDeleteView`` answers with the same refusal should an attempt start
between the hook's count and the delete.

A bank question nobody answered is refused too when it is the last one a published
quiz could draw (``live_quizzes_emptied_by``). ``live_quizzes_emptied`` is the one
rule for a question leaving a published quiz's pool: the question's edit form
(``viewsets.QuestionForm``) follows it too when topics are taken off a question.

Wagtail's own "referenced N times" counts only its reference index (pages, snippets),
which does not see attempts: that is why the count alone said 0.

Unpublishing, the way this module's refusals offer, is refused in turn for a quiz
that live lessons are completed by (``refuse_unpublishing_a_completing_quiz``), and
so is deleting such a quiz, attempted or not (``refuse_answered``): both ask
``live_lessons_completed_only_by``.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib import messages
from django.db.models import Count, ProtectedError, Q
from django.shortcuts import redirect
from django.utils.translation import gettext, ngettext
from wagtail.snippets.views.snippets import DeleteView

from config.refused_deletions import say_why_nothing_was_deleted
from quizzes.models import (
    Answer,
    Attempt,
    Question,
    QuestionTag,
    Quiz,
    QuizDrawTag,
    QuizQuestion,
)


def _attempt_counts(objects) -> dict[object, int]:
    """``{object: attempts that answered it}`` for the quizzes and questions given."""
    quizzes = {item.pk: item for item in objects if isinstance(item, Quiz)}
    questions = {item.pk: item for item in objects if isinstance(item, Question)}
    counts = {}
    if quizzes:
        rows = (
            Attempt.objects.filter(quiz_id__in=list(quizzes))
            .values("quiz_id")
            .annotate(n=Count("pk"))
        )
        counts.update({quizzes[row["quiz_id"]]: row["n"] for row in rows})
    if questions:
        rows = (
            Answer.objects.filter(question_id__in=list(questions))
            .values("question_id")
            .annotate(n=Count("attempt_id", distinct=True))
        )
        counts.update({questions[row["question_id"]]: row["n"] for row in rows})
    return counts


def _reason(item, count: int) -> str:
    if isinstance(item, Quiz):
        return ngettext(
            "“%(name)s” cannot be deleted: members made %(count)s attempt at it, and "
            "deleting it would erase their results. Unpublish it instead.",
            "“%(name)s” cannot be deleted: members made %(count)s attempts at it, "
            "and deleting it would erase their results. Unpublish it instead.",
            count,
        ) % {"name": item, "count": count}
    return ngettext(
        "“%(name)s” cannot be deleted: it was drawn in %(count)s attempt, and "
        "deleting it would erase members' answers. Take it out of its quizzes and "
        "remove its topics instead, so that no new attempt draws it.",
        "“%(name)s” cannot be deleted: it was drawn in %(count)s attempts, and "
        "deleting it would erase members' answers. Take it out of its quizzes and "
        "remove its topics instead, so that no new attempt draws it.",
        count,
    ) % {"name": item, "count": count}


def live_quizzes_emptied(
    *, deleted: Iterable[int] = (), retagged: dict[int, set[str]] | None = None
) -> list[Quiz]:
    """Published quizzes with no question left to draw, listed or by topic, once the
    questions ``deleted`` (ids) are gone and each question of ``retagged`` (``{id:
    names of the topics it will carry}``) carries only those topics: members would
    meet "This quiz has no questions yet" instead of the quiz (and a lesson completed
    by it could not be completed).

    The one rule for a question leaving a quiz's pool (``quizzes.services.quiz_pool``
    says what the pool is), in four queries however many quizzes and questions."""
    deleted = set(deleted)
    retagged = {pk: set(names) for pk, names in (retagged or {}).items()}
    changed = deleted | set(retagged)
    if not changed:
        return []
    tags_now = QuestionTag.objects.filter(content_object_id__in=changed)
    tags_now = tags_now.values("tag_id")
    candidates = list(
        Quiz.objects.filter(live=True)
        .filter(
            Q(quiz_questions__question_id__in=changed)
            | Q(draw_tagged_items__tag_id__in=tags_now)
        )
        .distinct()
        .order_by("title", "pk")
    )
    if not candidates:
        return []
    listed: dict[int, set[int]] = defaultdict(set)
    for quiz_id, question_id in QuizQuestion.objects.filter(
        quiz_id__in=[quiz.pk for quiz in candidates]
    ).values_list("quiz_id", "question_id"):
        listed[quiz_id].add(question_id)
    draws: dict[int, set[str]] = defaultdict(set)
    for quiz_id, name in QuizDrawTag.objects.filter(
        content_object_id__in=[quiz.pk for quiz in candidates]
    ).values_list("content_object_id", "tag__name"):
        draws[quiz_id].add(name)
    # Topics that still draw a question: one an unchanged question carries, or
    # one a retagged (and not deleted) question will carry.
    drawn = set().union(*draws.values())
    still_drawing = set()
    if drawn:
        still_drawing = set(
            QuestionTag.objects.filter(tag__name__in=drawn)
            .exclude(content_object_id__in=changed)
            .values_list("tag__name", flat=True)
            .distinct()
        )
    for pk, names in retagged.items():
        if pk not in deleted:
            still_drawing |= names
    return [
        quiz
        for quiz in candidates
        if not (listed[quiz.pk] - deleted) and not (draws[quiz.pk] & still_drawing)
    ]


def live_quizzes_emptied_by(objects) -> list[Quiz]:
    """Published quizzes the deletion of the questions among ``objects`` would
    leave with no question to draw (``live_quizzes_emptied``)."""
    return live_quizzes_emptied(
        deleted={item.pk for item in objects if isinstance(item, Question)}
    )


def _emptied_reason(quiz: Quiz) -> str:
    return gettext(
        "The published quiz “%(quiz)s” would have no questions left, and members "
        "could not take it. Add other questions to it first, or unpublish it."
    ) % {"quiz": quiz}


def retagged_emptied_reason(quiz: Quiz) -> str:
    """What the question form says when taking topics off the question would leave
    ``quiz`` (published) with no question to draw."""
    return gettext(
        "The published quiz “%(quiz)s” would have no questions left without this "
        "question's topics, and members could not take it. Keep the topics it is "
        "drawn by, add other questions to the quiz first, or unpublish it."
    ) % {"quiz": quiz}


def _stranded_reason(quiz: Quiz, lessons: list) -> str:
    return gettext(
        "“%(name)s” cannot be deleted: these published lessons complete when it is "
        "passed, and members could no longer complete them: %(lessons)s. Choose "
        "another completion rule for them first, or unpublish them."
    ) % {"name": quiz, "lessons": ", ".join(lesson.title for lesson in lessons)}


def refuse_answered(request, objects):
    """The ``before_delete_snippet`` hook: back to the listing, saying why, when any
    of ``objects`` has attempts, is a quiz live lessons are completed by, or when
    deleting them would leave a published quiz with no questions; ``None`` (Wagtail
    goes on) otherwise."""
    counts = _attempt_counts(objects)
    reasons = [_reason(item, count) for item, count in counts.items()]
    stranding = live_lessons_completed_only_by(objects)
    reasons += [_stranded_reason(quiz, lessons) for quiz, lessons in stranding.items()]
    emptied = live_quizzes_emptied_by(objects)
    reasons += [_emptied_reason(quiz) for quiz in emptied]
    if not reasons:
        return None
    say_why_nothing_was_deleted(
        request,
        reasons,
        selected=len(objects),
        # A quiz may be refused for its attempts and for its lessons at once.
        refused=len(set(counts) | set(stranding)) + len(emptied),
    )
    return redirect(type(objects[0]).snippet_viewset.get_url_name("list"))


class KeepAnsweredDeleteView(DeleteView):
    """Wagtail's delete view, refusing as the hook does when an attempt started
    between the hook's count and the delete (the foreign keys refuse then)."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            return refuse_answered(self.request, [self.object])


def live_lessons_completed_only_by(quizzes) -> dict[Quiz, list]:
    """``{quiz: live lessons}`` for the quizzes among ``quizzes``: the published
    lessons completed by passing a quiz that hold it and no other quiz (outside
    ``quizzes``) whose pass completes them. Unpublishing or deleting those quizzes
    would leave the lessons uncompletable (the quiz block shows nothing for a quiz
    that is not live, or gone). Two queries however many quizzes and lessons."""
    from courses.publishing import quiz_can_complete
    from courses.selectors import quiz_rule_lessons_holding_any

    leaving = {item.pk: item for item in quizzes if isinstance(item, Quiz)}
    if not leaving:
        return {}
    lessons = quiz_rule_lessons_holding_any(leaving, live_only=True)
    others = set().union(*(lesson.quiz_ids_in_body() for lesson in lessons))
    others -= set(leaving)
    completing = {
        quiz.pk
        for quiz in Quiz.objects.filter(pk__in=others)
        if quiz_can_complete(quiz)
    }
    stranded: dict[Quiz, list] = {}
    for lesson in lessons:
        held = lesson.quiz_ids_in_body()
        if held & completing:
            continue
        for pk in sorted(held & set(leaving)):
            stranded.setdefault(leaving[pk], []).append(lesson)
    return stranded


def refuse_unpublishing_a_completing_quiz(request, obj):
    """The ``before_unpublish`` hook: a quiz that live lessons are completed by
    stays published, back at its edit screen with the lessons named."""
    if not isinstance(obj, Quiz):
        return None
    lessons = live_lessons_completed_only_by([obj]).get(obj)
    if not lessons:
        return None
    messages.error(
        request,
        gettext(
            "“%(name)s” cannot be unpublished: these published lessons complete when "
            "it is passed, and members could no longer complete them: %(lessons)s. "
            "Choose another completion rule for them first, or unpublish them."
        )
        % {"name": obj, "lessons": ", ".join(lesson.title for lesson in lessons)},
    )
    return redirect(Quiz.snippet_viewset.get_url_name("edit"), obj.pk)
