"""A lesson completed by passing its quiz goes live only with a quiz members can take.

A quiz block shows members nothing while its quiz is a draft (quizzes/blocks/quiz.html),
so a quiz-rule lesson published before its quiz could not be completed by anyone,
and the reports would count every member as lagging on it. Saving a draft of the
lesson is fine (the editor may be building both); going live is refused:

* by the page form's "Publish" (``LessonPageForm``), on the rule field;
* by the pages listing's bulk "Publish" (the ``before_bulk_action`` hook
  ``refuse_bulk_publish``), for the selected pages and, when the editor includes
  them, their draft subpages: as Wagtail publishes them, the latest revision of each;
* by the lesson itself, for every other way in (``refuse_going_live``, from
  ``LessonPage.save`` when the save makes it live): a workflow's final approval
  (``config.refused_publishing`` answers with a message), Wagtail's admin API
  publish action (its 400), a script. Scheduled publishing waits instead: the
  lesson stays scheduled and goes live at the first run after its quiz does
  (``LessonPage.publish``).

A lesson whose rule does not need its quiz (watch or read, or a quiz rule another
of its quizzes satisfies) may go live with a draft quiz; the editor who publishes it
is warned that members see nothing there yet (``warn_of_draft_quizzes``).

The other direction, unpublishing or deleting a quiz that live lessons depend on, is
refused by ``quizzes.deletion`` (the snippet's unpublish and delete screens), and
turning its "Passing completes the lesson" off by its form (``quizzes.viewsets``).
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext, ngettext, pgettext
from wagtail.models import Page

from config.refused_publishing import PublishRefused
from config.reserved_paths import ReservedPathPageForm

# courses.models names LessonPageForm as the lesson's base_form_class, so this
# module imports the models inside its functions.


def quiz_can_complete(quiz) -> bool:
    """Whether passing ``quiz`` completes a lesson today: it is live (members see
    it) and its ``completes_lesson`` is on (``quizzes.Quiz``, read without
    importing quizzes)."""
    return getattr(quiz, "live", True) and getattr(quiz, "completes_lesson", True)


def unplayable_quiz(completion_rule: str, quizzes: list) -> str | None:
    """Why a lesson with this rule and these quizzes could not be completed once
    live, or ``None``."""
    from courses.models import CompletionRule

    if completion_rule != CompletionRule.QUIZ or not quizzes:
        return None  # no quiz at all: LessonPage.clean refuses it on every save
    if any(quiz_can_complete(quiz) for quiz in quizzes):
        return None
    draft = next((quiz for quiz in quizzes if not getattr(quiz, "live", True)), None)
    return gettext(
        "This lesson completes when its quiz is passed, but “%(quiz)s” is not "
        "published, so members cannot see it. Publish the quiz first, or choose "
        "another rule."
    ) % {"quiz": draft or quizzes[0]}


def is_going_live(lesson, save_kwargs: dict) -> bool:
    """Whether ``lesson.save(**save_kwargs)`` makes it live: Wagtail publishing a
    revision now (it sets ``live`` and the new ``live_revision`` and saves with
    validation), or a new page created live. Not a draft saved on a live page
    (only ``save_revision``'s fields), nor a move or any other save of a page that
    stays live as it was, nor a save without validation (``clean=False``)."""
    if not lesson.live or not save_kwargs.get("clean", True):
        return False
    if save_kwargs.get("update_fields") is not None:
        return False
    if lesson.pk is None:
        return True
    stored = (
        type(lesson)
        .objects.filter(pk=lesson.pk)
        .values_list("live", "live_revision_id")
        .first()
    )
    return stored is None or stored != (True, lesson.live_revision_id)


def publish_refusal(lesson) -> str | None:
    """Why ``lesson`` (as it would go live) cannot be published, naming it, or
    ``None``."""
    refusal = unplayable_quiz(lesson.completion_rule, lesson.quizzes())
    if refusal is None:
        return None
    return gettext("“%(lesson)s” cannot be published: %(reason)s") % {
        "lesson": lesson.get_admin_display_title(),
        "reason": refusal,
    }


def refuse_going_live(lesson) -> None:
    """Raise ``PublishRefused`` (on the rule field) when ``lesson`` would be live
    with no quiz whose pass completes it."""
    refusal = publish_refusal(lesson)
    if refusal:
        raise PublishRefused({"completion_rule": [refusal]})


class LessonPageForm(ReservedPathPageForm):
    """The lesson's page form: "Publish" is refused while no quiz the rule needs
    is live (``unplayable_quiz``); "Save draft" is not."""

    def clean(self):
        from courses.models import quizzes_in

        cleaned_data = super().clean()
        if self.data.get("action-publish") and "body" in cleaned_data:
            refusal = unplayable_quiz(
                cleaned_data.get("completion_rule"), quizzes_in(cleaned_data["body"])
            )
            if refusal:
                self.add_error("completion_rule", refusal)
        return cleaned_data


def warn_of_draft_quizzes(request, page):
    """``after_publish_page``: a lesson went live holding a quiz that is still a
    draft. Its rule does not need that quiz (or another quiz completes it), so
    publishing was right, but members see nothing where the quiz stands until it
    is published: say so, naming the quizzes."""
    if not hasattr(page, "completion_rule"):  # not a lesson
        return None
    drafts = [quiz for quiz in page.quizzes() if not getattr(quiz, "live", True)]
    if drafts:
        separator = pgettext("between the items of a list", ", ")
        messages.warning(
            request,
            ngettext(
                "“%(lesson)s” is live, but its quiz %(quizzes)s is a draft: members "
                "do not see it until it is published.",
                "“%(lesson)s” is live, but its quizzes %(quizzes)s are drafts: "
                "members do not see them until they are published.",
                len(drafts),
            )
            % {
                "lesson": page.get_admin_display_title(),
                "quizzes": separator.join(f"“{quiz}”" for quiz in drafts),
            },
        )
    return None


def warn_of_hidden_lesson(request, page):
    """``after_publish_page``: a lesson went live under a course (or course index)
    that is not: members cannot reach it (``HidesSubpagesWhenNotLive``) until that
    is published too. Say so, naming it."""
    if not hasattr(page, "completion_rule"):  # not a lesson
        return None
    hidden_by = page.get_ancestors().filter(depth__gt=1, live=False).first()
    if hidden_by is not None:
        messages.warning(
            request,
            gettext(
                "“%(lesson)s” is live, but “%(parent)s” above it is not, so members "
                "cannot reach it. Publish “%(parent)s” too."
            )
            % {
                "lesson": page.get_admin_display_title(),
                "parent": hidden_by.get_admin_display_title(),
            },
        )
    return None


def unpublish_subpages(sender, instance, **kwargs):
    """``page_unpublished``: a course (or the course index) takes its live
    subpages with it, whichever way it was unpublished (the admin, with or without
    "Unpublish subpages", bulk, a scheduled expiry, a script). A live lesson of a
    hidden course would otherwise still be credited by the progress API, counted
    by the reports and listed to helpers. Each subpage's own unpublish reaches
    this again for its subpages."""
    from courses.models import HidesSubpagesWhenNotLive

    if not isinstance(instance, HidesSubpagesWhenNotLive):
        return
    for page in instance.get_children().live().specific():
        page.unpublish()


def say_subpages_were_unpublished(request, page):
    """``after_unpublish_page``: tell the editor the lessons went too."""
    from courses.models import HidesSubpagesWhenNotLive

    if (
        isinstance(page.specific, HidesSubpagesWhenNotLive)
        and page.get_children().exists()
    ):
        messages.info(
            request,
            gettext(
                "Its pages were unpublished with it: members cannot reach a lesson "
                "without its course. To bring them back, publish the course, then "
                "each lesson members should see. Publishing it together with its "
                "subpages would also publish every draft and expired lesson under "
                "it."
            ),
        )
    return None


def _lessons_to_publish(pages, *, include_descendants: bool):
    """The lessons a bulk publish would make live, each as its latest revision
    (what Wagtail publishes)."""
    from courses.models import LessonPage

    for page in pages:
        yield page.specific
        if include_descendants:
            yield from page.get_descendants().not_live().type(LessonPage).specific()


def refuse_bulk_publish(request, action_type, objects, action):
    """``before_bulk_action``: nothing is published when a lesson among them (or
    their draft subpages, when included) would go live with no quiz to pass."""
    if action_type != "publish" or not all(isinstance(obj, Page) for obj in objects):
        return None
    include_descendants = bool(
        action.cleaned_form.cleaned_data.get("include_descendants")
    )
    reasons = []
    for page in _lessons_to_publish(objects, include_descendants=include_descendants):
        if not hasattr(page, "completion_rule"):  # not a lesson
            continue
        refusal = publish_refusal(page.get_latest_revision_as_object())
        if refusal:
            reasons.append(refusal)
    if not reasons:
        return None
    for reason in reasons:
        messages.error(request, reason)
    messages.warning(request, gettext("Nothing was published."))
    return redirect(action.next_url)
