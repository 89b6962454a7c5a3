"""Wagtail admin for quizzes and the question bank (registered in wagtail_hooks).

The forms keep a published quiz one members can take and pass, on "Save draft" and
"Publish" alike: ``QuizForm`` refuses an empty pool and turning "Passing completes
the lesson" off while a quiz-rule lesson holds the quiz; ``QuestionForm`` refuses
taking off the topics a published quiz would then have no question to draw by
(``deletion.live_quizzes_emptied``). Deleting and unpublishing are refused by the
hooks in ``quizzes.deletion``.
"""

from django import forms
from django.contrib import messages
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.ui.tables import Column, DateColumn, LiveStatusTagColumn
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import (
    EditView,
    IndexView,
    SnippetViewSetGroup,
)

from config.choosers import snippet_chooser
from config.inline_panel import InlinePanel
from config.snippets import SnippetViewSet
from courses.selectors import quiz_rule_lessons_holding
from quizzes.bank import LETTERS
from quizzes.deletion import (
    KeepAnsweredDeleteView,
    live_quizzes_emptied,
    retagged_emptied_reason,
)
from quizzes.grading import ANSWER_TOO_LONG, MAX_TEXT_ANSWER
from quizzes.models import CHOICE_KINDS, Answer, Question, QuestionKind, Quiz

# The bank file names a question's choices A to Z (quizzes/bank.py): more could
# not be exported (an IndexError once) nor told apart by members.
MAX_CHOICES = len(LETTERS)
# What the bank file separates choices and accepted answers with (quizzes/bank.py).
SEPARATOR = "|"


def applies_to(*kinds: str) -> dict:
    """Panel attributes for quizzes/question_form.js: show it for these types only."""
    return {
        "data-question-kind-target": "panel",
        "data-question-kinds": " ".join(kinds),
    }


class QuestionForm(WagtailAdminModelForm):
    """Each type needs its own kind of answer key; say what is missing, per type."""

    class Media:
        # Shows only the answer fields of the chosen type; without it, all show.
        js = ["quizzes/question_form.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._keep_kind_once_drawn()

    def _keep_kind_once_drawn(self) -> None:
        """Members' answers have their question's type (a choice, a list of choices,
        true or false, text): a type changed under them could not grade an open
        attempt nor show a past one. Once anyone has drawn the question, its type
        field is disabled (Django then keeps the stored type whatever is posted,
        and the form's script, which follows the field, empties no answer field)."""
        if self.instance.pk is None or "kind" not in self.fields:
            return
        answers = Answer.objects.filter(question=self.instance).count()
        if answers:
            field = self.fields["kind"]
            field.disabled = True
            field.help_text = ngettext(
                "This question was drawn in %(count)d attempt: members' answers "
                "are of its type, which cannot change now. Add a new question "
                "of the other type instead.",
                "This question was drawn in %(count)d attempts: members' answers "
                "are of its type, which cannot change now. Add a new question "
                "of the other type instead.",
                answers,
            ) % {"count": answers}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        formset = self.formsets.get("choices")
        rows = [] if formset is None else formset.forms
        # ``form.errors`` cleans the row first (the formset is validated after us).
        with_errors = {form for form in rows if form.errors}
        kept = [form for form in rows if not form.cleaned_data.get("DELETE")]
        # With a choice's own error (an empty text, say), counting the other rows
        # would add "give two choices" and "mark one correct" over a choice the
        # editor did fill in and tick: the counts wait until every row is valid.
        rows_valid = not any(form in with_errors for form in kept)
        choices = [form.cleaned_data for form in kept if form.cleaned_data]
        correct = sum(1 for choice in choices if choice.get("is_correct"))
        if rows_valid and kind in CHOICE_KINDS and len(choices) < 2:
            self.add_error(None, _("Give at least two choices."))
        if len(choices) > MAX_CHOICES:
            self.add_error(
                None,
                _("Give at most %(max)s choices (A to Z).") % {"max": MAX_CHOICES},
            )
        if rows_valid and kind == QuestionKind.SINGLE and correct != 1:
            self.add_error(None, _("Mark exactly one choice as correct."))
        if rows_valid and kind == QuestionKind.MULTIPLE and correct < 1:
            self.add_error(None, _("Mark at least one choice as correct."))
        if kind not in CHOICE_KINDS and (choices or not rows_valid):
            self.add_error(None, _("Only choice questions have choices."))
        if kind in CHOICE_KINDS:
            self._check_choice_texts(form for form in kept if form not in with_errors)
        is_true = cleaned.get("is_true")
        accepted = cleaned.get("accepted_answers", "").strip()
        if kind == QuestionKind.TRUE_FALSE and is_true is None:
            self.add_error("is_true", _("Say whether the statement is true."))
        # Another type's answer would be stored unused, and shown again if the type
        # were changed back one day; the form's script empties these before saving.
        if kind and kind != QuestionKind.TRUE_FALSE and is_true is not None:
            self.add_error(
                "is_true", _("Only true or false questions use this: choose Unknown.")
            )
        if kind == QuestionKind.FILL_BLANK and not accepted:
            self.add_error("accepted_answers", _("Give at least one accepted answer."))
        if kind == QuestionKind.FILL_BLANK and any(
            len(line.strip()) > MAX_TEXT_ANSWER for line in accepted.splitlines()
        ):
            self.add_error("accepted_answers", ANSWER_TOO_LONG)
        if kind == QuestionKind.FILL_BLANK and SEPARATOR in accepted:
            self.add_error(
                "accepted_answers",
                _(
                    "An accepted answer cannot contain |: the question bank file "
                    "separates answers with it. Put each answer on its own line."
                ),
            )
        if kind and kind != QuestionKind.FILL_BLANK and accepted:
            self.add_error(
                "accepted_answers",
                _(
                    "Only fill in the blank questions have accepted answers: "
                    "leave this empty."
                ),
            )
        self._keep_live_quizzes_drawing(cleaned)
        return cleaned

    def _keep_live_quizzes_drawing(self, cleaned) -> None:
        """Taking its topics off a question takes it out of the pool of quizzes
        that draw by them: refused when a published quiz would have no question
        left (``deletion.live_quizzes_emptied``, the rule deleting it follows)."""
        if self.instance.pk is None or "tags" not in cleaned:
            return
        emptied = live_quizzes_emptied(
            retagged={self.instance.pk: set(cleaned["tags"] or [])}
        )
        for quiz in emptied:
            self.add_error("tags", retagged_emptied_reason(quiz))

    def _check_choice_texts(self, rows) -> None:
        """Choices members can tell apart, which the bank file can hold: an export
        splits choices at |, so "1|2" came back as two choices (and shifted the
        answer letters), and the import refuses two choices that are the same."""
        seen = set()
        for form in rows:
            text = form.cleaned_data.get("text") or ""
            if SEPARATOR in text:
                form.add_error(
                    "text",
                    _(
                        "A choice cannot contain |: the question bank file "
                        "separates choices with it."
                    ),
                )
            elif text in seen:
                form.add_error("text", _("Two choices are the same."))
            seen.add(text)


class QuizForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("quiz_questions")
        listed = 0
        seen = set()
        if formset is not None:
            for form in formset.forms:
                data = form.cleaned_data if form.is_valid() else {}
                if data and not data.get("DELETE") and data.get("question"):
                    if data["question"].pk in seen:
                        self.add_error(
                            None, _("A question is listed twice in this quiz.")
                        )
                    seen.add(data["question"].pk)
                    listed += 1
        self._check_lessons_still_complete(cleaned)
        tags = cleaned.get("draw_tags") or []
        if not listed and not tags:
            self.add_error(
                None, _("List some questions or choose topics to draw questions from.")
            )
            return cleaned
        self._check_pool(cleaned, listed=seen, tags=tags)
        return cleaned

    def _check_lessons_still_complete(self, cleaned) -> None:
        """A lesson completed by passing this quiz could not be completed at all
        once a pass completes no lesson, unless another quiz of its body still
        completes it: the rule courses' LessonPage.clean applies from the lesson's
        side (drafts too)."""
        if self.instance.pk is None or cleaned.get("completes_lesson", True):
            return
        lessons = quiz_rule_lessons_holding(self.instance.pk)
        others = set().union(*(lesson.quiz_ids_in_body() for lesson in lessons))
        others.discard(self.instance.pk)
        completing = set(
            Quiz.objects.filter(pk__in=others, completes_lesson=True).values_list(
                "pk", flat=True
            )
        )
        titles = [
            lesson.title
            for lesson in lessons
            if not lesson.quiz_ids_in_body() & completing
        ]
        if titles:
            self.add_error(
                "completes_lesson",
                _(
                    "These lessons complete when this quiz is passed: %(lessons)s. "
                    "Choose another completion rule for them first, or leave this on."
                )
                % {"lessons": ", ".join(titles)},
            )

    def _check_pool(self, cleaned, *, listed: set, tags: list) -> None:
        """A quiz members can take: its topics find questions (a mistyped topic
        finds none), and it does not draw more questions than its pool holds."""
        tagged = set()
        if tags:
            tagged = set(
                Question.objects.filter(tagged_items__tag__name__in=tags)
                .values_list("pk", flat=True)
                .distinct()
            )
            if not tagged:
                self.add_error(
                    "draw_tags",
                    _("No question in the bank has any of these topics."),
                )
                return
        pool = len(listed | tagged)
        draw = cleaned.get("draw_count")
        if draw and draw > pool:
            self.add_error(
                "draw_count",
                ngettext(
                    "The pool holds %(count)d question: draw at most that many, "
                    "or leave this empty to ask every question.",
                    "The pool holds %(count)d questions: draw at most that many, "
                    "or leave this empty to ask every question.",
                    pool,
                )
                % {"count": pool},
            )


class QuestionIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("quizzes.add_question"):
            buttons.append(
                HeaderButton(
                    _("Import or export"),
                    url=reverse("quizzes_admin:bank"),
                    icon_name="upload",
                )
            )
        return buttons


class QuestionEditView(EditView):
    """Editing a question members have answered regrades nobody: say so first."""

    def get(self, request, *args, **kwargs):
        question = getattr(self, "object", None) or self.get_object()
        graded = Answer.objects.filter(
            question=question, is_correct__isnull=False
        ).count()
        if graded:
            messages.warning(
                request,
                ngettext(
                    "Members have %(count)d graded answer to this question. "
                    "Changing it does not regrade them: their scores stay, and "
                    "their reviews will show the new right answer with a note.",
                    "Members have %(count)d graded answers to this question. "
                    "Changing it does not regrade them: their scores stay, and "
                    "their reviews will show the new right answer with a note.",
                    graded,
                )
                % {"count": graded},
            )
        return super().get(request, *args, **kwargs)


class QuestionViewSet(SnippetViewSet):
    model = Question
    delete_view_class = KeepAnsweredDeleteView
    edit_view_class = QuestionEditView
    icon = "help"
    menu_label = _("Question bank")
    url_prefix = "quizzes/questions"
    list_display = [
        "__str__",
        "kind",
        Column("topics", label=_("Topics")),
        DateColumn("updated_at", label=_("Updated")),
    ]
    list_filter = {"kind": ["exact"]}
    index_view_class = QuestionIndexView
    edit_handler = ObjectList(
        [
            FieldPanel(
                "kind",
                attrs={
                    "data-question-kind-target": "kind",
                    "data-action": "change->question-kind#show",
                },
            ),
            FieldPanel("text", widget=forms.Textarea(attrs={"rows": 3})),
            InlinePanel(
                "choices",
                label=_("Choices"),
                heading=_("Choices"),
                max_num=MAX_CHOICES,
                attrs=applies_to(*CHOICE_KINDS),
            ),
            FieldPanel("is_true", attrs=applies_to(QuestionKind.TRUE_FALSE)),
            FieldPanel(
                "accepted_answers",
                widget=forms.Textarea(attrs={"rows": 3}),
                attrs=applies_to(QuestionKind.FILL_BLANK),
            ),
            FieldPanel("explanation", widget=forms.Textarea(attrs={"rows": 3})),
            FieldPanel("tags"),
        ],
        base_form_class=QuestionForm,
        attrs={
            "data-controller": "question-kind",
            "data-action": "submit@document->question-kind#dropOtherTypes",
        },
    )

    def get_queryset(self, request):
        return Question.objects.prefetch_related("tags")


class QuizViewSet(SnippetViewSet):
    model = Quiz
    delete_view_class = KeepAnsweredDeleteView
    icon = "form"
    menu_label = _("Quizzes")
    url_prefix = "quizzes/quizzes"
    # Live or draft as Wagtail's tag, not a bare True/False. Its label lazy: the
    # column is made once, and Wagtail's default is translated when it is.
    list_display = [
        "title",
        "pass_mark",
        "max_attempts",
        LiveStatusTagColumn(label=_("Status")),
    ]
    search_fields = ["title"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("title"),
                    FieldPanel("intro", widget=forms.Textarea(attrs={"rows": 3})),
                    InlinePanel(
                        "quiz_questions",
                        label=_("Question"),
                        heading=_("Questions"),
                        # The chooser's texts in the user's language.
                        panels=[
                            FieldPanel("question", widget=snippet_chooser(Question))
                        ],
                    ),
                    MultiFieldPanel(
                        [FieldPanel("draw_tags"), FieldPanel("draw_count")],
                        heading=_("Random draw"),
                    ),
                ],
                heading=_("Questions"),
            ),
            ObjectList(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("pass_mark"),
                            FieldPanel("time_limit_minutes"),
                            FieldPanel("max_attempts"),
                        ]
                    ),
                    FieldPanel("counting"),
                    FieldPanel("review"),
                    FieldPanel("review_while_attempts_left"),
                    FieldPanel("completes_lesson"),
                ],
                heading=_("Settings"),
            ),
        ],
        base_form_class=QuizForm,
    )


class QuizzesGroup(SnippetViewSetGroup):
    menu_label = _("Quizzes")
    menu_icon = "form"
    menu_order = 250
    items = (QuizViewSet, QuestionViewSet)
