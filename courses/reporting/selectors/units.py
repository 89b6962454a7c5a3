"""What a report is about: a course or a campaign with its live lessons."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from courses.models import CoursePage, LessonPage
from courses.reporting.models import Bucket, Campaign
from members.scoping import prefix_q

BUCKETS = [Bucket.LOCAL, Bucket.OUTFLOW, Bucket.INFLOW]


class StudyStatus:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass
class StudyUnit:
    """What a report is about: one course or one campaign, with its live lessons."""

    course: CoursePage | None = None
    campaign: Campaign | None = None
    lessons: list[LessonPage] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.campaign or self.course)

    @property
    def lesson_ids(self) -> list[int]:
        return [lesson.pk for lesson in self.lessons]

    def rollup_filter(self) -> Q:
        if self.campaign is not None:
            return Q(campaign=self.campaign)
        return Q(course=self.course)

    def member_filter(self, prefix: str = "") -> Q:
        """Members the unit is meant for (a campaign's targets and category)."""
        if self.campaign is None:
            return Q()
        targets = self.campaign_targets
        condition = prefix_q(f"{prefix}home_path", targets) | prefix_q(
            f"{prefix}host_path", targets
        )
        if self.campaign.category == Campaign.Category.MOBILE:
            condition &= ~Q(**{f"{prefix}mobility_status": Bucket.LOCAL})
        return condition

    @property
    def campaign_targets(self) -> list[str]:
        return [org.path for org in self.campaign.organisations.all()]


def study_unit(
    *, course: CoursePage | None = None, campaign: Campaign | None = None
) -> StudyUnit:
    if campaign is not None:
        campaign = Campaign.objects.prefetch_related(
            "organisations", "campaign_courses__course"
        ).get(pk=campaign.pk)
        paths = [link.course.path for link in campaign.campaign_courses.all()]
    else:
        paths = [course.path]
    condition = prefix_q("path", paths)
    lessons = list(
        LessonPage.objects.live()
        .filter(condition, depth=_lesson_depth(paths))
        .order_by("path")
    )
    # Keep the campaign's course order, then the lessons' own order.
    order = {path: index for index, path in enumerate(paths)}
    lessons.sort(
        key=lambda lesson: (
            order.get(lesson.path[: -LessonPage.steplen], 0),
            lesson.path,
        )
    )
    return StudyUnit(
        course=course if campaign is None else None, campaign=campaign, lessons=lessons
    )


def _lesson_depth(paths: list[str]) -> int:
    return len(paths[0]) // LessonPage.steplen + 1 if paths else 0


def default_unit_choices() -> tuple[QuerySet[Campaign], QuerySet[CoursePage]]:
    return (
        Campaign.objects.order_by("-starts_on", "name"),
        CoursePage.objects.live().order_by("path"),
    )
