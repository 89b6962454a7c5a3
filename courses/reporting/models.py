"""Campaigns, the roll-up rows of the completion report, and the reminder log.

Re-exported by ``courses.models`` (the app's one models module), so these are
``courses`` models with the ``courses`` app label. docs/reports.md explains the
counting rules: every member is counted once, where they are (the host
organisation for inflow members, the home organisation otherwise), in the bucket
of their mobility status.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Orderable

from config.choosers import page_chooser
from config.inline_panel import InlinePanel


class Bucket(models.TextChoices):
    """Where a member is counted: the member's mobility status (members.Member)."""

    LOCAL = "local", _("Local")
    OUTFLOW = "outflow", _("Outflow (counted at home)")
    INFLOW = "inflow", _("Inflow (counted at the host)")


class Campaign(ClusterableModel):
    """A named study drive: courses, target organisation subtrees, member category."""

    class Category(models.TextChoices):
        ALL = "all", _("All members")
        MOBILE = "mobile", _("Mobile members only (outflow and inflow)")

    class State(models.TextChoices):
        """Where today falls in the campaign's window (docs/reports.md: the dates
        decide what is current, not which completions count)."""

        UPCOMING = "upcoming", _("Upcoming")
        ACTIVE = "active", pgettext_lazy("campaign", "Active")
        ENDED = "ended", _("Ended")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organisations = ParentalManyToManyField(
        "members.Organisation",
        related_name="campaigns",
        verbose_name=_("target organisations"),
        help_text=_("Each organisation's whole subtree takes part."),
    )
    category = models.CharField(
        _("members"), max_length=8, choices=Category.choices, default=Category.ALL
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("organisations"),
                FieldPanel("category"),
                FieldPanel("starts_on"),
                FieldPanel("ends_on"),
            ],
            heading=_("Who and when"),
        ),
        InlinePanel("campaign_courses", label=_("Courses"), min_num=1),
    ]

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="courses_campaign_dates_in_order",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {"ends_on": _("The end date cannot be before the start date.")}
            )

    def state_on(self, day: dt.date | None = None) -> str:
        day = day or timezone.localdate()
        if day < self.starts_on:
            return self.State.UPCOMING
        if day > self.ends_on:
            return self.State.ENDED
        return self.State.ACTIVE

    @property
    def state(self) -> str:
        """Today's state; templates show ``state_label``."""
        return self.state_on()

    @property
    def state_label(self) -> str:
        return self.State(self.state).label

    def is_active(self, day: dt.date | None = None) -> bool:
        return self.state_on(day) == self.State.ACTIVE

    def chart_span(self, *, today: dt.date | None = None) -> tuple[int, dt.date]:
        """(weeks, last day) of the weekly completions chart: from the week the
        campaign starts to the week it ends, or to this week while it runs."""
        today = today or timezone.localdate()
        last = max(self.starts_on, min(self.ends_on, today))
        first_monday = self.starts_on - dt.timedelta(days=self.starts_on.weekday())
        last_monday = last - dt.timedelta(days=last.weekday())
        return (last_monday - first_monday).days // 7 + 1, last

    @property
    def buckets(self) -> list[str]:
        if self.category == self.Category.MOBILE:
            return [Bucket.OUTFLOW, Bucket.INFLOW]
        return [Bucket.LOCAL, Bucket.OUTFLOW, Bucket.INFLOW]


class CampaignCourse(Orderable):
    campaign = ParentalKey(
        Campaign, on_delete=models.CASCADE, related_name="campaign_courses"
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="campaign_links",
        verbose_name=_("course"),
    )

    # The chooser's texts in the user's language (config/choosers.py).
    panels = [FieldPanel("course", widget=page_chooser("courses.CoursePage"))]

    class Meta(Orderable.Meta):
        verbose_name = _("campaign course")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "course"], name="courses_campaign_course_once"
            )
        ]

    def __str__(self):
        return f"{self.campaign} · {self.course}"


class _UnitRow(models.Model):
    """A row keyed by an organisation's tree path and one study unit (a course or a
    campaign). Rows exist for every level: the row at a path holds the whole
    subtree's figures, so a report reads its own row and its children's rows
    (``depth`` = level) whatever the size of the subtree. Keyed by path, not by
    organisation id, because an update reaches all ancestors by their paths (the
    prefixes of the member's organisation path) without looking them up.
    """

    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField()
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class ProgressRollup(_UnitRow):
    """Per subtree, unit and bucket: members who started / completed the unit and
    the hours credited, counted where the member is; for campaign units also the
    members the campaign is meant for. Kept by courses.reporting.rollups in the
    progress services' transaction; ``rollups_rebuild`` recomputes it."""

    bucket = models.CharField(max_length=8, choices=Bucket.choices)
    members = models.IntegerField(default=0)
    started = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["path", "course", "bucket"],
                condition=Q(campaign__isnull=True),
                name="courses_rollup_course_once",
            ),
            models.UniqueConstraint(
                fields=["path", "campaign", "bucket"],
                condition=Q(course__isnull=True),
                name="courses_rollup_campaign_once",
            ),
            models.CheckConstraint(
                condition=Q(course__isnull=True) ^ Q(campaign__isnull=True),
                name="courses_rollup_one_unit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["course", "depth", "path"], name="courses_rollup_course_idx"
            ),
            models.Index(
                fields=["campaign", "depth", "path"],
                name="courses_rollup_campaign_idx",
            ),
        ]

    def __str__(self):
        return f"{self.path} {self.bucket}: {self.started}/{self.completed}"


class WeeklyCompletion(_UnitRow):
    """Members of the subtree who completed a unit in the week starting ``week``."""

    week = models.DateField()
    completed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["path", "course", "week"],
                condition=Q(campaign__isnull=True),
                name="courses_weekly_course_once",
            ),
            models.UniqueConstraint(
                fields=["path", "campaign", "week"],
                condition=Q(course__isnull=True),
                name="courses_weekly_campaign_once",
            ),
            models.CheckConstraint(
                condition=Q(course__isnull=True) ^ Q(campaign__isnull=True),
                name="courses_weekly_one_unit",
            ),
        ]

    def __str__(self):
        return f"{self.path} {self.week}: {self.completed}"


class Headcount(models.Model):
    """Members counted in a subtree, per bucket (every level, like the roll-ups).
    Kept from members' signals (courses.reporting.receivers)."""

    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField()
    bucket = models.CharField(max_length=8, choices=Bucket.choices)
    members = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["path", "bucket"], name="courses_headcount_once"
            )
        ]
        indexes = [models.Index(fields=["depth", "path"], name="courses_headcount_idx")]

    def __str__(self):
        return f"{self.path} {self.bucket}: {self.members}"


class Reminder(models.Model):
    """One reminder to one member: the log the interval rule is checked against."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="reminders"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    message = models.TextField(_("message"))
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["member", "-created_at"], name="courses_reminder_member_idx"
            )
        ]

    def __str__(self):
        return f"{self.member} {self.created_at:%Y-%m-%d}"
