"""The courses app owns the Wagtail page tree of study content and study progress.

``CourseIndexPage`` (the site's home) > ``CoursePage`` > ``LessonPage``. Per member:
``LessonProgress`` (credible completion, docs/progress.md) with the ``ProgressEvent``
rows it was built from, ``InPersonStudy`` records (送学上门) and ``StudyPreference``.
"""

import logging
import math
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtailmedia import get_media_model

from config.refused_publishing import PublishRefused
from config.reserved_paths import ReservedPathCopyForm, ReservedPathPageForm
from courses.blocks import TEXT_FEATURES, LessonBodyBlock
from courses.publishing import LessonPageForm, is_going_live, refuse_going_live

logger = logging.getLogger(__name__)

# Wagtail's publish_scheduled command names its publishes so.
SCHEDULED_PUBLISH = "wagtail.publish.scheduled"


class AllOrNothingDeleteQuerySet(PageQuerySet):
    """Deleting pages is one transaction: all of it or nothing.

    treebeard's delete lowers the parents' ``numchild`` first and only then lets
    Django's collector delete, which is where a ``PROTECT`` foreign key (members'
    progress and in-person study on a lesson, ``courses.deletion``) refuses. Outside a
    transaction (the shell, Wagtail's admin API) the refusal left the parent counting
    one child fewer: a course whose lessons the explorer no longer listed, and that a
    later delete removed as a leaf, orphaning its lessons. Wagtail's own delete view
    is atomic; this makes every other way in atomic too. ``Page.delete`` reaches it
    through the specific class's manager (``MP_Node.delete``)."""

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=self.db):
            return super().delete(*args, **kwargs)


AllOrNothingPageManager = PageManager.from_queryset(AllOrNothingDeleteQuerySet)


class HidesSubpagesWhenNotLive:
    """Wagtail routes through a page that is not live to its live subpages; a
    course (or the course index) that is not live hides its lessons instead.
    Unpublishing one unpublishes its subpages too (``courses.publishing``); this
    covers a lesson published later under a draft course."""

    def route(self, request, path_components):
        if path_components and not self.live:
            raise Http404
        return super().route(request, path_components)


class CourseIndexPage(HidesSubpagesWhenNotLive, Page):
    """The site's home: the courses a member can study."""

    objects = AllOrNothingPageManager()

    intro = RichTextField(
        blank=True, features=TEXT_FEATURES, verbose_name=_("Introduction")
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1
    # No slug that puts a page where one of Satchel's own URLs answers
    # (config/reserved_paths.py); the same on the other two page types.
    base_form_class = ReservedPathPageForm
    copy_form_class = ReservedPathCopyForm

    class Meta:
        verbose_name = _("course index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = (
            CoursePage.objects.child_of(self).live().specific().order_by("path")
        )
        return context


class CoursePage(HidesSubpagesWhenNotLive, Page):
    objects = AllOrNothingPageManager()

    summary = models.CharField(
        max_length=255,
        blank=True,
        verbose_name=_("Summary"),
        help_text=_("One or two sentences shown in course lists."),
    )
    description = RichTextField(
        blank=True, features=TEXT_FEATURES, verbose_name=_("Description")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]
    base_form_class = ReservedPathPageForm
    copy_form_class = ReservedPathCopyForm

    class Meta:
        verbose_name = _("course")

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import lesson_ids_completed_by

        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = lessons = list(self.lessons())
        # A member sees which lessons they have done (one query).
        context["completed"] = lesson_ids_completed_by(
            user=request.user, lessons=lessons
        )
        return context


class CompletionRule(models.TextChoices):
    WATCH = "watch", _("Watched at least a share of the lecture")
    QUIZ = "quiz", _("Quiz passed")
    READ = "read", _("Read for at least a number of seconds")


def quizzes_in(body) -> list:
    """The quizzes of a lesson body's quiz blocks (those that still exist)."""
    return [
        block.value
        for block in body
        if block.block_type == "quiz" and block.value is not None
    ]


class LessonPage(Page):
    objects = AllOrNothingPageManager()

    summary = models.CharField(max_length=255, blank=True, verbose_name=_("Summary"))
    body = StreamField(LessonBodyBlock(), blank=True, verbose_name=_("Body"))
    completion_rule = models.CharField(
        _("completes when"),
        max_length=8,
        choices=CompletionRule.choices,
        default=CompletionRule.WATCH,
        help_text=_(
            "A lesson without a lecture that is set to 'watched' completes by reading."
        ),
    )
    watch_percent = models.PositiveSmallIntegerField(
        _("share of the lecture to watch (%)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    read_seconds = models.PositiveIntegerField(
        _("reading time (seconds)"),
        default=60,
        validators=[MinValueValidator(1)],
    )
    # The live body's lecture, kept by save(): the progress API reads the lecture's
    # duration with the lesson in one query instead of walking the StreamField.
    body_lecture = models.ForeignKey(
        settings.WAGTAILMEDIA["MEDIA_MODEL"],
        verbose_name=_("lecture in the lesson"),  # named on the lecture's usage screen
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    study_hours = models.DecimalField(
        _("study hours credited"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Leave empty to credit the lecture's length rounded up to the quarter hour."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("completion_rule"),
                FieldPanel("watch_percent"),
                FieldPanel("read_seconds"),
                FieldPanel("study_hours"),
            ],
            heading=_("Completion and study hours"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []
    base_form_class = LessonPageForm
    copy_form_class = ReservedPathCopyForm

    class Meta:
        verbose_name = _("lesson")

    def serve(self, request, *args, **kwargs):
        # Lessons are for signed-in members: progress is kept per member.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def lecture(self):
        """The lesson's lecture (its one lecture block), or None."""
        for block in self.body:
            if block.block_type == "lecture" and block.value["lecture"] is not None:
                return block.value["lecture"]
        return None

    def lecture_id_in_body(self) -> int | None:
        """The lecture block's lecture id, from the body's raw JSON (no query)."""
        for block in self.body.raw_data:
            value = block.get("value") or {}
            if block["type"] == "lecture" and value.get("lecture"):
                return value["lecture"]
        return None

    def save(self, *args, **kwargs):
        if is_going_live(self, kwargs):
            refuse_going_live(self)  # courses.publishing
        lecture_id = self.lecture_id_in_body()
        # A block may still name a lecture that was deleted since.
        if lecture_id is not None and not (
            get_media_model().objects.filter(pk=lecture_id).exists()
        ):
            lecture_id = None
        self.body_lecture_id = lecture_id
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_lecture"}
        return super().save(*args, **kwargs)

    def publish(self, revision, *args, log_action=True, **kwargs):
        """Wagtail's publish, all of it or nothing: a refusal (``refuse_going_live``)
        leaves the revisions' schedules and a workflow's approval as they were.
        Scheduled publishing (Wagtail's ``publish_scheduled``) is not refused but
        waits: the lesson stays scheduled, a warning is logged, and the next run
        after its quiz goes live publishes it; the command goes on to the rest."""
        try:
            with transaction.atomic():
                return super().publish(revision, *args, log_action=log_action, **kwargs)
        except PublishRefused as refusal:
            if log_action != SCHEDULED_PUBLISH:
                raise
            logger.warning(
                "Scheduled publishing of lesson %s is waiting: %s",
                self.pk,
                " ".join(refusal.messages),
            )
            return None

    def has_quiz(self) -> bool:
        return any(block.block_type == "quiz" for block in self.body)

    def quiz_ids_in_body(self) -> set[int]:
        """The quiz blocks' quiz ids, from the body's raw JSON (no query)."""
        return {
            block["value"]
            for block in self.body.raw_data
            if block["type"] == "quiz" and block.get("value")
        }

    def quizzes(self) -> list:
        """The quizzes of the body's quiz blocks (those that still exist)."""
        return quizzes_in(self.body)

    def clean(self):
        super().clean()
        # Checked on drafts too: a lesson saved this way only ever gets published
        # as it is, and no member could complete it.
        if self.completion_rule != CompletionRule.QUIZ:
            return
        quizzes = self.quizzes()
        if not quizzes:
            raise ValidationError(
                {
                    "completion_rule": _(
                        "This lesson completes when its quiz is passed, but its "
                        "body has no quiz. Add a quiz block, or choose another rule."
                    )
                }
            )
        # quizzes.Quiz.completes_lesson, read without importing quizzes: a pass of
        # a quiz with it off completes nothing (quizzes.services.attempt_submit).
        if not any(getattr(quiz, "completes_lesson", True) for quiz in quizzes):
            raise ValidationError(
                {
                    "completion_rule": _(
                        "This lesson completes when its quiz is passed, but passing "
                        "“%(quiz)s” completes no lesson (its “Passing completes the "
                        "lesson” is off). Turn it on in the quiz's settings, or "
                        "choose another rule."
                    )
                    % {"quiz": quizzes[0]}
                }
            )

    def effective_rule(self, lecture) -> str:
        if self.completion_rule == CompletionRule.WATCH and lecture is None:
            return CompletionRule.READ
        return self.completion_rule

    def credited_hours(self, lecture) -> Decimal:
        """Study hours this lesson credits when complete."""
        if self.study_hours is not None:
            return self.study_hours
        seconds = float(getattr(lecture, "duration", 0) or 0)
        if seconds <= 0:
            seconds = self.read_seconds
        quarters = math.ceil(seconds / 900)
        return Decimal(quarters) / 4

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import lesson_player

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_player(lesson=self, user=request.user))
        course = self.get_parent().specific
        context["course"] = course
        # A draft being previewed is not among the live lessons: it has no neighbours.
        context["previous_lesson"] = (
            course.lessons().filter(path__lt=self.path).order_by("-path").first()
        )
        context["next_lesson"] = course.lessons().filter(path__gt=self.path).first()
        return context


class CompletedVia(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE_SYNC = "offline_sync", _("Offline, synced later")
    IN_PERSON = "in_person", _("In person (study brought to the member)")


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("study status", "Not started")
    IN_PROGRESS = "in_progress", pgettext_lazy("study status", "In progress")
    COMPLETED = "completed", _("Completed")


class LessonProgress(models.Model):
    """One member's progress on one lesson, kept by courses.services only.

    ``watched``, ``sessions`` and ``position*`` are the state of courses.credit; the
    other fields are derived from it (and from quiz or in-person completion).
    """

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="lesson_progress"
    )
    # PROTECT: a member's study outlives any editor's delete (courses.deletion).
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.PROTECT, related_name="progress"
    )
    # Merged [start, end] seconds of the lecture really played (union, clamped).
    watched = models.JSONField(default=list)
    # Playback session id -> [first event time, last event time] (epoch seconds).
    sessions = models.JSONField(default=dict)
    seconds_watched = models.FloatField(
        _("seconds credited"),
        default=0,
        help_text=_("Lecture seconds credited, or reading seconds without a lecture."),
    )
    position = models.FloatField(_("position (seconds)"), default=0)
    position_at = models.DateTimeField(null=True, blank=True)
    position_event = models.CharField(max_length=64, blank=True)
    # Bumped by every write (courses.services): a batch that merged without the row
    # lock saves only if no other write came in between (optimistic concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProgressStatus.choices,
        default=ProgressStatus.NOT_STARTED,
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_via = models.CharField(
        _("completed via"), max_length=16, choices=CompletedVia.choices, blank=True
    )
    hours_credited = models.DecimalField(
        _("study hours credited"), max_digits=5, decimal_places=2, default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "lesson"], name="courses_progress_member_lesson"
            ),
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False)
                | (~Q(status="completed") & Q(completed_at__isnull=True)),
                name="courses_progress_completed_iff_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member", "status", "completed_at"],
                name="courses_progress_member_idx",
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.lesson}"

    @property
    def is_complete(self) -> bool:
        return self.status == ProgressStatus.COMPLETED


class ProgressEvent(models.Model):
    """A client event as received: the ids make redelivery idempotent, the rows are
    the raw data the progress can be rebuilt from."""

    progress = models.ForeignKey(
        LessonProgress, on_delete=models.CASCADE, related_name="events"
    )
    client_id = models.CharField(max_length=64)
    session = models.CharField(max_length=64)
    at = models.DateTimeField()
    position = models.FloatField()
    played = models.JSONField(default=list)
    rate = models.FloatField(default=1)
    offline = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["progress", "client_id"], name="courses_event_once"
            )
        ]

    def __str__(self):
        return self.client_id


class InPersonStudy(models.Model):
    """An organiser or paired helper recorded that the member studied the lesson in
    person (送学上门). Revoking keeps the row: this table is the audit trail."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="in_person_studies"
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.PROTECT, related_name="in_person_studies"
    )
    studied_on = models.DateField(_("date studied"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        verbose_name = _("in-person study record")
        verbose_name_plural = _("in-person study records")
        ordering = ["-recorded_at"]
        constraints = [
            # At most one standing record per member and lesson.
            models.UniqueConstraint(
                fields=["member", "lesson"],
                condition=Q(revoked_at__isnull=True),
                name="courses_inperson_one_active",
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.lesson} · {self.studied_on}"


class Quality(models.TextChoices):
    AUTO = "auto", _("Auto")
    DATA_SAVER = "data_saver", _("Data saver")
    AUDIO = "audio", _("Audio only")


class StudyPreference(models.Model):
    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="study_preference"
    )
    quality = models.CharField(
        _("quality"), max_length=16, choices=Quality.choices, default=Quality.AUTO
    )

    def __str__(self):
        return f"{self.member}: {self.quality}"


# Campaigns, report roll-ups and reminders (docs/reports.md) live in their own
# module; importing them here registers them with the courses app.
from courses.reporting.models import (  # noqa: E402, F401
    Bucket,
    Campaign,
    CampaignCourse,
    Headcount,
    ProgressRollup,
    Reminder,
    WeeklyCompletion,
)
