"""The quizzes app owns quizzes, the question bank, attempts and grading.

* ``Question`` (with ordered ``Choice`` rows) is the bank: tagged by topic, usable in
  any number of quizzes.
* ``Quiz`` is a snippet with drafts and revisions. Its pool is the questions it lists
  (``QuizQuestion``, ordered) plus every bank question carrying one of its draw tags;
  it may draw ``draw_count`` of them at random per attempt.
* ``Attempt`` stores the draw fixed at start (question ids and choice order) and the
  graded result; ``Answer`` holds one row per drawn question, saved as the member goes.

Correct answers (``Choice.is_correct``, ``Question.accepted_answers``,
``Question.is_true``) and explanations never leave the server before submission: see
quizzes/serializers.py and docs/quizzes.md.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.models import DraftStateMixin, Orderable, RevisionMixin
from wagtail.search import index


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    FILL_BLANK = "fill_blank", _("Fill in the blank")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class Counting(models.TextChoices):
    HIGHEST = "highest", _("Highest score")
    LAST = "last", _("Last attempt")


class ReviewPolicy(models.TextChoices):
    SCORE = "score", _("Score only")
    ANSWERS = "answers", _("Score and correct answers")
    EXPLANATIONS = "explanations", _("Score, correct answers and explanations")


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "quizzes.Question", related_name="tagged_items", on_delete=models.CASCADE
    )


# The longest question or explanation: far more than a phone screen shows, and
# within what an exported spreadsheet cell holds (XLSX: 32,767 characters), so
# the bank's export and import keep every question whole.
QUESTION_TEXT_MAX_LENGTH = 5000


class Question(index.Indexed, ClusterableModel):
    kind = models.CharField(
        max_length=16,
        choices=QuestionKind.choices,
        default=QuestionKind.SINGLE,
        # Its own context: a plain "Type" would replace Wagtail's (the media
        # library's type column read "question type").
        verbose_name=pgettext_lazy("question", "Type"),
    )
    text = models.TextField(
        verbose_name=_("Question"), max_length=QUESTION_TEXT_MAX_LENGTH
    )
    is_true = models.BooleanField(
        null=True,
        blank=True,
        verbose_name=_("Statement is true"),
        help_text=_("True or false questions only."),
    )
    accepted_answers = models.TextField(
        blank=True,
        verbose_name=_("Accepted answers"),
        help_text=_(
            "Fill in the blank only: one accepted answer per line. Case, full-width "
            "characters and surrounding spaces are ignored."
        ),
    )
    explanation = models.TextField(
        blank=True,
        max_length=QUESTION_TEXT_MAX_LENGTH,
        verbose_name=_("Explanation"),
        help_text=_("Shown after submission if the quiz's review policy allows."),
    )
    tags = ClusterTaggableManager(
        through=QuestionTag, blank=True, verbose_name=_("Topics")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("text"),
        index.AutocompleteField("text"),
        index.FilterField("kind"),
    ]

    class Meta:
        ordering = ["id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text if len(self.text) <= 60 else self.text[:59] + "…"

    def topics(self) -> str:
        return ", ".join(sorted(tag.name for tag in self.tags.all()))

    def accepted_answer_list(self) -> list[str]:
        return [
            line.strip() for line in self.accepted_answers.splitlines() if line.strip()
        ]


class Choice(Orderable):
    question = ParentalKey(Question, related_name="choices", on_delete=models.CASCADE)
    text = models.CharField(max_length=500, verbose_name=_("Choice"))
    is_correct = models.BooleanField(default=False, verbose_name=_("Correct"))

    class Meta(Orderable.Meta):
        verbose_name = _("choice")

    def __str__(self):
        return self.text


class QuizDrawTag(TaggedItemBase):
    content_object = ParentalKey(
        "quizzes.Quiz", related_name="draw_tagged_items", on_delete=models.CASCADE
    )


# A week: a take-home test at most. PostgreSQL's smallint would stop at 32767 minutes,
# SQLite at nothing, and a deadline past the calendar's end cannot be computed.
TIME_LIMIT_MAX_MINUTES = 7 * 24 * 60
# What PostgreSQL stores in a PositiveSmallIntegerField; SQLite would take more.
SMALLINT_MAX = 32767


class Quiz(DraftStateMixin, RevisionMixin, index.Indexed, ClusterableModel):
    title = models.CharField(max_length=255, verbose_name=_("Title"))
    intro = models.TextField(blank=True, verbose_name=_("Introduction"))
    pass_mark = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        verbose_name=_("Pass mark (%)"),
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(TIME_LIMIT_MAX_MINUTES)],
        verbose_name=_("Time limit (minutes)"),
        help_text=_("Leave empty for no time limit."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(SMALLINT_MAX)],
        verbose_name=_("Maximum attempts"),
        help_text=_("Leave empty for unlimited attempts."),
    )
    counting = models.CharField(
        max_length=16,
        choices=Counting.choices,
        default=Counting.HIGHEST,
        verbose_name=_("Attempt that counts"),
    )
    review = models.CharField(
        max_length=16,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.EXPLANATIONS,
        verbose_name=_("After submission show"),
    )
    # An exam-like quiz keeps its answers until the member passes or has no attempt
    # left: a review after a failed attempt would make the next attempts no test.
    review_while_attempts_left = models.BooleanField(
        default=False,
        verbose_name=_("Show correct answers while attempts are left"),
        help_text=_(
            "Leave unticked for an exam: after a failed attempt the member sees "
            "only the score, and the correct answers once they pass or have used "
            "every attempt. Tick it for practice quizzes."
        ),
    )
    completes_lesson = models.BooleanField(
        default=True,
        verbose_name=_("Passing completes the lesson"),
        help_text=_("For lessons whose completion rule is passing their quiz."),
    )
    draw_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(SMALLINT_MAX)],
        verbose_name=_("Questions per attempt"),
        help_text=_(
            "Draw this many questions at random from the pool for each attempt. "
            "Leave empty to ask every question in the pool."
        ),
    )
    draw_tags = ClusterTaggableManager(
        through=QuizDrawTag,
        blank=True,
        verbose_name=_("Draw from topics"),
        help_text=_("Bank questions with any of these topics join the pool."),
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="quiz")

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="quiz_pass_mark_lte_100"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def revisions(self):
        # RevisionMixin's documented way of exposing the GenericRelation.
        return self._revisions

    @property
    def counts_last_attempt(self) -> bool:
        """Whether a member's latest submitted attempt counts, not their best."""
        return self.counting == Counting.LAST


class QuizQuestion(Orderable):
    quiz = ParentalKey(Quiz, related_name="quiz_questions", on_delete=models.CASCADE)
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("Question"),
    )

    class Meta(Orderable.Meta):
        # No unique (quiz, question) constraint: modelcluster inserts the submitted
        # rows before deleting the removed ones, so removing a question and adding it
        # back in one edit would fail. QuizForm refuses duplicates instead.
        verbose_name = _("quiz question")


class Attempt(models.Model):
    # PROTECT: an attempted quiz is kept (quizzes/deletion.py says why in the admin).
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    # The lesson the attempt was started from: passing completes that lesson.
    lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    number = models.PositiveSmallIntegerField()
    # [{"question": id, "choices": [choice ids in the order shown]}], fixed at start.
    draw = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Closed by the server because the time ran out: graded on the saved answers.
    expired = models.BooleanField(default=False)
    question_count = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["quiz", "member", "number"]
        constraints = [
            # Two concurrent starts can never both become attempt N.
            models.UniqueConstraint(
                fields=["quiz", "member", "number"], name="attempt_number_once"
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True)
                | models.Q(score__isnull=False, passed__isnull=False),
                name="attempt_submitted_is_graded",
            ),
        ]
        indexes = [models.Index(fields=["quiz", "submitted_at"])]

    def __str__(self):
        return f"{self.quiz} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def question_ids(self) -> list[int]:
        return [item["question"] for item in self.draw]

    def closes_at(self):
        """The deadline plus the grace the server allows for slow networks."""
        if self.deadline is None:
            return None
        return self.deadline + timedelta(seconds=settings.QUIZZES_GRACE_SECONDS)


class Answer(models.Model):
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers"
    )
    # PROTECT: a question members answered is kept (quizzes/deletion.py).
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    # single: choice id; multiple: [choice ids]; true_false: bool; fill_blank: text.
    response = models.JSONField(null=True, blank=True)
    # A canonical form of the response, so statistics can group equal wrong answers.
    response_key = models.CharField(max_length=255, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_correct = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="answer_once_per_question"
            ),
        ]
        indexes = [models.Index(fields=["question", "is_correct"])]

    def __str__(self):
        return f"{self.attempt} · {self.question_id}"
