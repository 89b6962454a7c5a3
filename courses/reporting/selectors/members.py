"""The drill-down member list (a page at a time, or an export chunk at a time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
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

from courses.models import CompletedVia, LessonProgress, ProgressStatus
from courses.reporting.models import Bucket, Headcount, ProgressRollup
from courses.reporting.selectors.units import BUCKETS, StudyStatus, StudyUnit
from members.models import Member, Organisation
from members.scoping import (
    is_helper,
    is_organiser,
    members_in_scope,
    organisation_paths_for,
    prefix_q,
)


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


def related_members(
    *, user, unit: StudyUnit, organisation: Organisation | None = None, mobility=""
) -> QuerySet[Member]:
    """Members in the user's scope (for a helper: their paired members), related
    to ``organisation``'s subtree by home or host, meant for the unit."""
    members = members_in_scope(user)
    if organisation is not None:
        members = members.filter(
            prefix_q("home_path", [organisation.path])
            | prefix_q("host_path", [organisation.path])
        )
    members = members.filter(unit.member_filter())
    if mobility:
        members = members.filter(mobility_status=mobility)
    return members


def members_for_report(
    *,
    user,
    unit: StudyUnit,
    organisation: Organisation | None = None,
    mobility: str = "",
    status: str = "",
) -> QuerySet[Member]:
    """``related_members`` filtered by study status and annotated with
    ``started_n``, ``completed_n``, ``hours`` and ``last_activity``."""
    members = related_members(
        user=user, unit=unit, organisation=organisation, mobility=mobility
    )
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


# The pager ------------------------------------------------------------------
#
# ``COUNT(*)`` over a province's 2,000,000 members took 200-1,000 ms, most of
# the page's time (bench/reports). The total now comes from the roll-ups where
# they hold it exactly (docs/reports.md, "The member list's pager"), and pages
# are keyset pages on (name, id), so page 2,000 costs what page 1 does.


# Inflow members whose home is in a subtree but who are registered elsewhere are
# in its list but not in its roll-ups; counting them reads every member row
# under the subtree's home path (about 0.4 s for a city of 140,000 members on
# the bench's 2 shared cores), so they are counted only for subtrees up to about
# a county's size.
INFLOW_COUNT_LIMIT = 20_000


def member_list_total(
    *,
    user,
    unit: StudyUnit,
    organisation: Organisation | None = None,
    mobility: str = "",
    status: str = "",
) -> int | None:
    """The exact number of members the list shows, or None when it would cost a
    scan of a large subtree's members.

    Local and outflow members relate to their home organisation only (a host is
    set iff inflow), so their number is the roll-ups' at the subtree's own path:
    ``Headcount`` for a course, the campaign's ``ProgressRollup.members`` (its
    targets and category: the rule of ``StudyUnit.member_filter`` for these
    buckets) for a campaign. An inflow member relates to home and host and the
    roll-ups count them at the host only, so inflow members are counted for
    real, when the subtree holds at most ``INFLOW_COUNT_LIMIT`` members. No total
    either with a study-status filter (only a scan could tell) or for an
    organiser who is also someone's helper (their list adds paired members from
    anywhere)."""
    if status:
        return None
    if not is_organiser(user):
        # A helper's paired members: a handful, counted for real.
        return related_members(
            user=user, unit=unit, organisation=organisation, mobility=mobility
        ).count()
    if is_helper(user):
        return None
    paths = (
        [organisation.path]
        if organisation is not None
        else organisation_paths_for(user)
    )
    buckets = [mobility] if mobility else list(BUCKETS)
    if unit.campaign is not None:
        buckets = [bucket for bucket in buckets if bucket in unit.campaign.buckets]
    # The depth lets the (depth, path) and (campaign, depth, path) indexes find
    # the rows directly.
    rows = {
        "path__in": paths,
        "depth__in": {len(p) // Organisation.steplen for p in paths},
    }
    heads = dict.fromkeys(BUCKETS, 0)
    for row in Headcount.objects.filter(**rows).values("bucket", "members"):
        heads[row["bucket"]] += row["members"]
    if Bucket.INFLOW in buckets and sum(heads.values()) > INFLOW_COUNT_LIMIT:
        return None
    at_home = [bucket for bucket in buckets if bucket != Bucket.INFLOW]
    if unit.campaign is None:
        total = sum(heads[bucket] for bucket in at_home)
    elif at_home:
        total = (
            ProgressRollup.objects.filter(
                campaign=unit.campaign, bucket__in=at_home, **rows
            ).aggregate(n=Sum("members"))["n"]
            or 0
        )
    else:
        total = 0
    if Bucket.INFLOW in buckets:
        total += (
            related_members(
                user=user, unit=unit, organisation=organisation, mobility=Bucket.INFLOW
            )
            .order_by()
            .count()
        )
    return total


@dataclass(frozen=True)
class Cursor:
    """A position in the (name, id) order: ``<id>.<name>`` in a URL."""

    name: str
    pk: int

    def __str__(self) -> str:
        return f"{self.pk}.{self.name}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """Raises ValueError for anything but ``<digits>.<name>``."""
        pk, dot, name = text.partition(".")
        if not dot or not pk.isdigit():
            raise ValueError(text)
        return cls(name=name, pk=int(pk))

    @classmethod
    def of(cls, member: Member) -> Cursor:
        return cls(name=member.name, pk=member.pk)


@dataclass
class MemberPage:
    members: list[Member]
    next: Cursor | None
    previous: Cursor | None

    @property
    def has_other_pages(self) -> bool:
        return self.next is not None or self.previous is not None


def member_page(
    members: QuerySet[Member],
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = 50,
) -> MemberPage:
    """One page in (name, id) order after or before a cursor (the first page
    without either), in one query: ``size + 1`` rows say whether there is more.
    ``name >= x`` (or ``<=``) next to the exact row comparison lets the
    (name, id) index start at the cursor."""
    if before is not None:
        rows = list(
            members.filter(
                Q(name__lt=before.name) | Q(name=before.name, pk__lt=before.pk),
                name__lte=before.name,
            ).order_by("-name", "-pk")[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size][::-1]
        return MemberPage(
            members=rows,
            next=Cursor.of(rows[-1]) if rows else None,
            previous=Cursor.of(rows[0]) if rows and more else None,
        )
    if after is not None:
        members = members.filter(
            Q(name__gt=after.name) | Q(name=after.name, pk__gt=after.pk),
            name__gte=after.name,
        )
    rows = list(members.order_by("name", "pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return MemberPage(
        members=rows,
        next=Cursor.of(rows[-1]) if more else None,
        previous=Cursor.of(rows[0]) if rows and after is not None else None,
    )


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
