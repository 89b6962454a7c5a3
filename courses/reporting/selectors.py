"""Reads for the completion report, the drill-down member list and their exports.

Every function takes the requesting user and filters through members.scoping; the
report reads roll-up rows only (a fixed number of queries whatever the size of
the subtree), the member list reads one page (or one export chunk) at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import (
    Count,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.models import (
    CompletedVia,
    CoursePage,
    LessonPage,
    LessonProgress,
    ProgressStatus,
)
from courses.reporting.models import (
    Bucket,
    Campaign,
    Headcount,
    ProgressRollup,
    WeeklyCompletion,
)
from members.models import Member, Organisation
from members.scoping import (
    members_in_scope,
    organisation_in_scope,
    organisation_paths_for,
    prefix_q,
)

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


# Report ---------------------------------------------------------------------


@dataclass
class ReportRow:
    label: str
    path: str
    organisation: Organisation | None = None
    is_total: bool = False
    is_self: bool = False
    members: dict = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    started: dict = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    completed: dict = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    hours: dict = field(default_factory=lambda: dict.fromkeys(BUCKETS, Decimal(0)))

    @property
    def total_members(self) -> int:
        return sum(self.members.values())

    @property
    def total_started(self) -> int:
        return sum(self.started.values())

    @property
    def total_completed(self) -> int:
        return sum(self.completed.values())

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours.values(), Decimal(0))

    @property
    def completion_rate(self) -> float:
        """Completed / members, in percent (0 when there are no members)."""
        members = self.total_members
        return round(100 * self.total_completed / members, 1) if members else 0.0

    def rate_for(self, bucket: str) -> float:
        members = self.members[bucket]
        return round(100 * self.completed[bucket] / members, 1) if members else 0.0

    @property
    def outflow_members(self) -> int:
        return self.members[Bucket.OUTFLOW]

    @property
    def outflow_completed(self) -> int:
        return self.completed[Bucket.OUTFLOW]

    @property
    def inflow_members(self) -> int:
        return self.members[Bucket.INFLOW]

    @property
    def inflow_completed(self) -> int:
        return self.completed[Bucket.INFLOW]


@dataclass
class CompletionReport:
    organisation: Organisation
    unit: StudyUnit
    total: ReportRow
    rows: list[ReportRow]
    weeks: list[tuple[dt.date, int]]


def completion_report(
    *,
    user,
    organisation: Organisation,
    unit: StudyUnit,
    weeks: int = 12,
    today: dt.date | None = None,
) -> CompletionReport:
    """The organisation's total and one row per child (plus the members held by
    the organisation itself), in four queries whatever the size of the subtree:
    roll-up rows exist per level, so this reads the organisation's own rows and
    its children's. Raises PermissionError outside the user's scope."""
    if not organisation_in_scope(user, organisation):
        raise PermissionError
    depth = organisation.depth
    # Not get_children(): treebeard answers from the cached ``numchild``.
    children = list(
        Organisation.objects.filter(
            path__startswith=organisation.path, depth=depth + 1
        ).order_by("path")
    )
    total = ReportRow(
        label=organisation.name,
        path=organisation.path,
        organisation=organisation,
        is_total=True,
    )
    rows: dict[str, ReportRow] = {organisation.path: total}
    for child in children:
        rows[child.path] = ReportRow(
            label=child.name, path=child.path, organisation=child
        )
    levels = {"path__startswith": organisation.path, "depth__in": [depth, depth + 1]}
    for item in ProgressRollup.objects.filter(unit.rollup_filter(), **levels).values(
        "path", "bucket", "members", "started", "completed", "hours"
    ):
        row = rows.get(item["path"])
        if row is None:
            continue  # an organisation created since; the rebuild tidies up
        bucket = item["bucket"]
        row.started[bucket] += item["started"]
        row.completed[bucket] += item["completed"]
        row.hours[bucket] += Decimal(item["hours"])
        if unit.campaign is not None:
            row.members[bucket] += item["members"]
    if unit.campaign is None:
        for item in Headcount.objects.filter(**levels).values(
            "path", "bucket", "members"
        ):
            row = rows.get(item["path"])
            if row is not None:
                row.members[item["bucket"]] += item["members"]
    # Members held by the organisation itself = its total minus its children's.
    own = ReportRow(
        label=organisation.name,
        path=organisation.path,
        organisation=organisation,
        is_self=True,
    )
    for bucket in BUCKETS:
        for name in ("members", "started", "completed", "hours"):
            value = getattr(total, name)[bucket] - sum(
                getattr(rows[child.path], name)[bucket] for child in children
            )
            getattr(own, name)[bucket] = value
    ordered = [rows[child.path] for child in children]
    if own.total_members or own.total_started:
        ordered.insert(0, own)
    return CompletionReport(
        organisation=organisation,
        unit=unit,
        total=total,
        rows=ordered,
        weeks=weekly_completions(
            organisation=organisation, unit=unit, weeks=weeks, today=today
        ),
    )


def weekly_completions(
    *, organisation: Organisation, unit: StudyUnit, weeks: int, today=None
) -> list[tuple[dt.date, int]]:
    today = today or timezone.localdate()
    this_week = today - dt.timedelta(days=today.weekday())
    first = this_week - dt.timedelta(weeks=weeks - 1)
    counts = dict(
        WeeklyCompletion.objects.filter(
            unit.rollup_filter(),
            path=organisation.path,
            week__gte=first,
            week__lte=this_week,
        )
        .values("week")
        .annotate(n=Sum("completed"))
        .order_by()
        .values_list("week", "n")
    )
    return [
        (week, counts.get(week, 0))
        for week in (first + dt.timedelta(weeks=i) for i in range(weeks))
    ]


def report_root_for(user) -> Organisation | None:
    """Where a user's report opens: their (first) organised subtree."""
    paths = organisation_paths_for(user)
    if not paths:
        return None
    return Organisation.objects.filter(path=paths[0]).first()


# Drill-down: members and their study status ------------------------------------


def _per_member(lesson_ids: list[int], value, condition: Q | None = None):
    rows = (
        LessonProgress.objects.filter(
            condition or Q(), member=OuterRef("pk"), lesson_id__in=lesson_ids
        )
        .order_by()
        .values("member")
        .annotate(value=value)
        .values("value")
    )
    return Subquery(rows)


def members_for_report(
    *,
    user,
    unit: StudyUnit,
    organisation: Organisation | None = None,
    mobility: str = "",
    status: str = "",
) -> QuerySet[Member]:
    """Members in the user's scope (for a helper: their paired members), related
    to ``organisation``'s subtree by home or host, meant for the unit; annotated
    with ``started_n``, ``completed_n``, ``hours`` and ``last_activity``."""
    members = members_in_scope(user)
    if organisation is not None:
        members = members.filter(
            prefix_q("home_path", [organisation.path])
            | prefix_q("host_path", [organisation.path])
        )
    members = members.filter(unit.member_filter())
    if mobility:
        members = members.filter(mobility_status=mobility)
    ids = unit.lesson_ids
    members = members.annotate(
        started_n=Coalesce(
            _per_member(ids, Count("pk"), ~Q(status=ProgressStatus.NOT_STARTED)),
            Value(0),
            output_field=IntegerField(),
        ),
        completed_n=Coalesce(
            _per_member(ids, Count("pk"), Q(status=ProgressStatus.COMPLETED)),
            Value(0),
            output_field=IntegerField(),
        ),
        hours=_per_member(ids, Sum("hours_credited")),
        last_activity=_per_member(ids, Max("updated_at")),
    )
    total = len(ids)
    if status == StudyStatus.NOT_STARTED:
        members = members.filter(started_n=0)
    elif status == StudyStatus.IN_PROGRESS:
        members = members.filter(started_n__gt=0).exclude(completed_n=total)
    elif status == StudyStatus.COMPLETED:
        members = members.filter(completed_n=total) if total else members.none()
    return members.select_related("home_organisation", "host_organisation")


@dataclass
class LessonCell:
    status: str = ProgressStatus.NOT_STARTED
    completed_via: str = ""
    score: Decimal | None = None


@dataclass
class MemberStatus:
    member: Member
    phone: str
    status: str
    cells: list[LessonCell]
    completed: int
    lessons: int
    hours: Decimal
    last_activity: dt.datetime | None

    @property
    def via(self) -> str:
        labels = dict(CompletedVia.choices)
        kinds = sorted({c.completed_via for c in self.cells if c.completed_via})
        return ", ".join(str(labels.get(kind, kind)) for kind in kinds)

    @property
    def best_score(self) -> Decimal | None:
        scores = [c.score for c in self.cells if c.score is not None]
        return max(scores) if scores else None


def member_study_status(member, total: int) -> str:
    if total and member.completed_n == total:
        return StudyStatus.COMPLETED
    if member.started_n:
        return StudyStatus.IN_PROGRESS
    return StudyStatus.NOT_STARTED


def member_statuses(
    *, user, members: list[Member], unit: StudyUnit
) -> list[MemberStatus]:
    """Per-lesson cells for a page of members: two queries whatever the page size."""
    from members.scoping import phone_for

    ids = unit.lesson_ids
    member_ids = [member.pk for member in members]
    progress = {
        (row["member_id"], row["lesson_id"]): row
        for row in LessonProgress.objects.filter(
            member_id__in=member_ids, lesson_id__in=ids
        ).values("member_id", "lesson_id", "status", "completed_via")
    }
    scores = _quiz_scores(member_ids, ids)
    result = []
    for member in members:
        cells = []
        for lesson_id in ids:
            row = progress.get((member.pk, lesson_id))
            cells.append(
                LessonCell(
                    status=row["status"] if row else ProgressStatus.NOT_STARTED,
                    completed_via=row["completed_via"] if row else "",
                    score=scores.get((member.pk, lesson_id)),
                )
            )
        result.append(
            MemberStatus(
                member=member,
                phone=phone_for(user, member),
                status=member_study_status(member, len(ids)),
                cells=cells,
                completed=member.completed_n,
                lessons=len(ids),
                hours=Decimal(member.hours or 0),
                last_activity=member.last_activity,
            )
        )
    return result


def _quiz_scores(member_ids: list[int], lesson_ids: list[int]) -> dict:
    """Best submitted quiz score per (member, lesson). Quizzes depend on courses,
    not the reverse, so the model is looked up lazily (and is optional)."""
    try:
        attempt = apps.get_model("quizzes", "Attempt")
    except LookupError:
        return {}
    rows = (
        attempt.objects.filter(
            member_id__in=member_ids, lesson_id__in=lesson_ids, score__isnull=False
        )
        .values("member_id", "lesson_id")
        .annotate(best=Max("score"))
        .order_by()
    )
    return {(row["member_id"], row["lesson_id"]): row["best"] for row in rows}


def iter_member_statuses(
    *, user, members: QuerySet[Member], unit: StudyUnit, chunk: int = 2000
) -> Iterator[MemberStatus]:
    """Every member of the queryset in id order, a chunk at a time (keyset
    pagination), so an export of a county holds one chunk in memory."""
    last = 0
    members = members.order_by("pk")
    while True:
        page = list(members.filter(pk__gt=last)[:chunk])
        if not page:
            return
        yield from member_statuses(user=user, members=page, unit=unit)
        last = page[-1].pk
