"""The completion report: roll-up rows only, a fixed number of queries whatever
the size of the subtree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.reporting.models import (
    Bucket,
    Headcount,
    ProgressRollup,
    WeeklyCompletion,
)
from courses.reporting.selectors.units import BUCKETS, StudyUnit
from members.models import Organisation
from members.scoping import organisation_in_scope, organisation_paths_for


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


CAMPAIGN_CHART_WEEKS = 26


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
    if unit.campaign is not None:
        # A campaign's chart covers its window (the latest half year of a long one,
        # to stay readable on a phone).
        weeks, today = unit.campaign.chart_span(today=today)
        weeks = min(weeks, CAMPAIGN_CHART_WEEKS)
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


def report_areas_for(user) -> list[Organisation]:
    """The roots of the subtrees ``user`` organises, when there are several (an
    organiser of two areas); else none: the report has only one place to open."""
    paths = organisation_paths_for(user)
    if len(paths) < 2:
        return []
    return list(Organisation.objects.filter(path__in=paths).order_by("path"))


def subtree_headcount():
    """Members counted in the subtree of each row's organisation
    (``OuterRef("path")``), every bucket: the reports' total, from ``Headcount``
    (one indexed lookup per row). Shown on the organisation tree screen."""
    total = (
        Headcount.objects.filter(path=OuterRef("path"))
        .order_by()
        .values("path")
        .annotate(n=Sum("members"))
        .values("n")
    )
    return Coalesce(Subquery(total), 0)
