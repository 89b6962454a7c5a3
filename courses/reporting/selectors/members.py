"""The drill-down member list (a page at a time, or an export chunk at a time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import connections, transaction
from django.db.models import (
    Count,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan
from django.utils.translation import pgettext
from django_cte import CTE, with_cte

from config.ids import pk_fits
from courses.models import CompletedVia, LessonProgress, ProgressStatus
from courses.reporting import lookups  # noqa: F401  (member_id__any_of)
from courses.reporting.models import Bucket, Headcount, ProgressRollup
from courses.reporting.selectors.units import BUCKETS, StudyStatus, StudyUnit
from members.held import held_at_q
from members.models import Member, Organisation
from members.scoping import (
    is_helper,
    is_organiser,
    members_in_scope,
    organisation_paths_for,
    paired_member_ids,
    phone_reader,
    prefix_q,
)
from members.selectors import inflow_ledger, member_search, outflow_ledger


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
    *,
    user,
    unit: StudyUnit,
    organisation: Organisation | None = None,
    mobility="",
    search="",
    held_here=False,
) -> QuerySet[Member]:
    """Members in the user's scope (for a helper: their paired members), related
    to ``organisation``'s subtree by home or host (with ``held_here``, to the
    organisation itself: ``members.held``), meant for the unit; with
    ``mobility``, the local members or the subtree's outflow or inflow ledger
    (``on_ledger``); with ``search``, those whose name (or a phone the user sees
    in full) holds it (``members.selectors.member_search``)."""
    members = members_in_scope(user)
    if search:
        members = member_search(user, members, search)
    if organisation is not None and held_here:
        members = members.filter(held_at_q(organisation))
    elif organisation is not None:
        members = members.filter(
            prefix_q("home_path", [organisation.path])
            | prefix_q("host_path", [organisation.path])
        )
    members = members.filter(unit.member_filter())
    if mobility:
        members = on_ledger(
            members, user=user, organisation=organisation, mobility=mobility
        )
    return members


def on_ledger(
    members: QuerySet[Member],
    *,
    user,
    organisation: Organisation | None,
    mobility: str,
) -> QuerySet[Member]:
    """``members`` on the outflow or inflow ledger of ``organisation`` (or of
    the user's subtrees), or the local ones.

    A ledger is about the side the organisation is on, not the member's status
    alone: its outflow ledger holds the members whose home is in its subtree and
    who moved away, registered elsewhere or not; its inflow ledger the members
    registered (hosted) in its subtree. The rule is the members app's ledgers
    (``members.selectors.outflow_ledger`` / ``inflow_ledger``, the admin's
    ledgers), ANDed into this query as conditions on the same table (``&``), not
    as a sub-query, so the path indexes still serve it. A helper without an
    organiser role has no side: their paired members are filtered by status."""
    if mobility == Bucket.LOCAL or (
        organisation is None and not organisation_paths_for(user)
    ):
        return members.filter(mobility_status=mobility)
    ledger = outflow_ledger if mobility == Bucket.OUTFLOW else inflow_ledger
    return members & ledger(user, organisation=organisation).order_by()


def members_for_report(
    *,
    user,
    unit: StudyUnit,
    organisation: Organisation | None = None,
    mobility: str = "",
    search: str = "",
    status: str = "",
    held_here: bool = False,
) -> QuerySet[Member]:
    """``related_members`` filtered by study status (``member_study_status``'s
    rule in SQL: per-member counts of started and completed lessons)."""
    members = related_members(
        user=user,
        unit=unit,
        organisation=organisation,
        mobility=mobility,
        search=search,
        held_here=held_here,
    )
    if status:
        members = members.filter(status_q(unit, status))
    return members.select_related("home_organisation", "host_organisation")


def status_q(unit: StudyUnit, status: str) -> Q:
    """Members whose study status in ``unit`` is ``status``."""
    ids = unit.lesson_ids
    started = Coalesce(
        _per_member(ids, Count("pk"), ~Q(status=ProgressStatus.NOT_STARTED)),
        Value(0),
        output_field=IntegerField(),
    )
    completed = Coalesce(
        _per_member(ids, Count("pk"), Q(status=ProgressStatus.COMPLETED)),
        Value(0),
        output_field=IntegerField(),
    )
    if status == StudyStatus.NOT_STARTED:
        return ~Q(GreaterThan(started, 0))
    if status == StudyStatus.IN_PROGRESS:
        return Q(GreaterThan(started, 0)) & ~Q(Exact(completed, len(ids)))
    if status == StudyStatus.COMPLETED and ids:
        return Q(Exact(completed, len(ids)))
    return Q(pk__in=[])


# The pager ------------------------------------------------------------------
#
# ``COUNT(*)`` over a province's 2,000,000 members took 200-1,000 ms, most of
# the page's time (bench/reports). The total now comes from the roll-ups where
# they hold it exactly (docs/reports.md, "The member list's pager"), and pages
# are keyset pages on (name, id), so page 2,000 costs what page 1 does.


# Inflow members whose home is in a subtree but who are registered elsewhere are
# in its list but not in its roll-ups, so they are counted for real: a BitmapOr
# of the partial index of inflow members' home paths (members migration 0004)
# and the host path index, which visits the subtree's inflow members only (a
# city of 140,000 members: 7,600 heap pages, about 70 ms on the bench's busy 2
# cores; before that index, every member row under the home path). Above a
# city's size the list shows no total.
INFLOW_COUNT_LIMIT = 200_000


def member_list_total(
    *,
    user,
    unit: StudyUnit,
    organisation: Organisation | None = None,
    mobility: str = "",
    search: str = "",
    status: str = "",
    page: MemberPage | None = None,
    held_here: bool = False,
) -> int | None:
    """The exact number of members the list shows, or None when it would cost a
    scan of a large subtree's members.

    A ``page`` that is the list's only page holds them all: its length is the
    total, whatever the filters. Otherwise:

    Local and outflow members relate to their home organisation only (a host is
    set iff inflow), so their number is the roll-ups' at the subtree's own path:
    ``Headcount`` for a course, the campaign's ``ProgressRollup.members`` (its
    targets and category: the rule of ``StudyUnit.member_filter`` for these
    buckets) for a campaign. An inflow member relates to home and host and the
    roll-ups count them at the host only, so inflow members are counted for
    real, when the subtree holds at most ``INFLOW_COUNT_LIMIT`` members (the
    outflow ledger holds those of them whose home is in the subtree, the inflow
    ledger those hosted in it: ``LISTED_STATUSES``). No total
    either with a study-status filter (only a scan could tell) or for an
    organiser who is also someone's helper (their list adds paired members from
    anywhere), nor with a search (the roll-ups do not know names)."""
    if page is not None and not page.has_other_pages:
        return len(page.members)
    if status or search:
        return None
    if held_here or not is_organiser(user):
        # One organisation's own members (found by its id, not a subtree), or a
        # helper's paired members: a handful, counted for real.
        return related_members(
            user=user,
            unit=unit,
            organisation=organisation,
            mobility=mobility,
            held_here=held_here,
        ).count()
    if is_helper(user):
        return None
    paths = (
        [organisation.path]
        if organisation is not None
        else organisation_paths_for(user)
    )
    buckets = LISTED_STATUSES[mobility]
    if unit.campaign is not None:
        buckets = [bucket for bucket in buckets if bucket in unit.campaign.buckets]
    rows = _subtree_rows(paths)
    heads = _head_counts(paths)
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
                user=user, unit=unit, organisation=organisation, mobility=mobility
            )
            .filter(mobility_status=Bucket.INFLOW)
            .order_by()
            .count()
        )
    return total


# The mobility statuses a list can hold, by its ``mobility`` filter: the outflow
# ledger holds the members who moved away and registered elsewhere too
# (``on_ledger``).
LISTED_STATUSES = {
    "": list(BUCKETS),
    Bucket.LOCAL: [Bucket.LOCAL],
    Bucket.OUTFLOW: [Bucket.OUTFLOW, Bucket.INFLOW],
    Bucket.INFLOW: [Bucket.INFLOW],
}


@dataclass(frozen=True)
class Cursor:
    """A position in the (name, id) order: ``<id>.<name>`` in a URL."""

    name: str
    pk: int

    def __str__(self) -> str:
        return f"{self.pk}.{self.name}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """Raises ValueError for anything but ``<digits>.<name>`` with digits
        that could be a member's id."""
        pk, dot, name = text.partition(".")
        if not dot or not pk.isascii() or not pk.isdigit() or not pk_fits(Member, pk):
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


# Subtrees of up to this many members (by the roll-ups' head count) are paged
# candidates first: the names and ids of the subtree's members come from the
# covering path indexes (members migration 0003) without touching the table and
# are sorted, then members are read in that order, each checked against the
# list's other filters, until a page is full. Above it the (name, id) index over
# all members finds a page sooner, since most members it meets belong to the
# subtree. bench/reports: a county of 14,700 members took 335 ms the wide way.
NARROW_SUBTREE = 50_000
# An inflow ledger (``mobility=inflow``: members registered in the subtree) is
# found by the host path alone, and its candidates are only the subtree's inflow
# members (``Headcount``'s inflow bucket counts them at their host). The wide
# walk would meet them rarely (3 % of a province's members on the bench; 500,000
# rows walked for a first page, 0.8 s), so candidates pay off for far larger
# ledgers than subtrees: a province's 60,000 inflow members sort in tens of ms.
INFLOW_LEDGER_CANDIDATES = 200_000


@dataclass(frozen=True)
class Candidates:
    """Where every member of a list is found: under ``paths`` by home or by
    host, or among ``member_ids`` (a helper's paired members). A superset of the
    list: the list's own filters still apply to each candidate."""

    paths: list[str]
    member_ids: list[int]
    # The columns a member is found under ``paths`` by: home or host for a list,
    # the host alone for an inflow ledger.
    columns: tuple[str, ...] = ("home_path", "host_path")
    # A list of one organisation's own members (``held_here``): found by its id,
    # through the home and host foreign key indexes.
    organisation_id: int | None = None

    def names(self, keyset: Q) -> QuerySet:
        """(name, id) of every candidate that satisfies ``keyset``, one index
        scan per path and column, duplicates removed by the UNION."""
        parts = [
            Member.objects.filter(keyset, **{f"{column}__startswith": path})
            for path in self.paths
            for column in self.columns
        ]
        if self.organisation_id is not None:
            parts += [
                Member.objects.filter(keyset, **{column: self.organisation_id})
                for column in ("home_organisation_id", "host_organisation_id")
            ]
        if self.member_ids:
            parts.append(Member.objects.filter(keyset, pk__in=self.member_ids))
        parts = [part.order_by().values("name", "id") for part in parts]
        return parts[0].union(*parts[1:])


def list_candidates(
    *,
    user,
    organisation: Organisation | None = None,
    mobility: str = "",
    held_here: bool = False,
) -> Candidates | None:
    """The candidates of a member list over ``organisation`` (or the user's
    whole scope), or None when there are too many for them to pay off. With
    ``mobility`` "inflow" and an organiser's side, the inflow ledger's: the
    members hosted under the paths (``on_ledger``). With ``held_here``, the
    organisation's own members, however many."""
    if organisation is not None and held_here:
        return Candidates(paths=[], member_ids=[], organisation_id=organisation.pk)
    if organisation is not None:
        paths, member_ids = [organisation.path], []
    else:
        paths, member_ids = organisation_paths_for(user), paired_member_ids(user)
    if not paths and not member_ids:
        return None
    if not paths:
        return Candidates(paths=paths, member_ids=member_ids)
    heads = _head_counts(paths)
    if mobility == Bucket.INFLOW:
        if heads[Bucket.INFLOW] > INFLOW_LEDGER_CANDIDATES:
            return None
        return Candidates(paths=paths, member_ids=member_ids, columns=("host_path",))
    if sum(heads.values()) > NARROW_SUBTREE:
        return None
    return Candidates(paths=paths, member_ids=member_ids)


def _subtree_rows(paths: list[str]) -> dict:
    """Filter for the roll-up rows (``Headcount``, ``ProgressRollup``) of the
    subtrees at ``paths``; the depth lets the (depth, path) and (campaign,
    depth, path) indexes find them directly."""
    return {
        "path__in": paths,
        "depth__in": {len(path) // Organisation.steplen for path in paths},
    }


def _head_counts(paths: list[str]) -> dict[str, int]:
    """Members registered in the subtrees of ``paths`` by bucket (inflow
    members count at their host), from the roll-ups."""
    heads = dict.fromkeys(BUCKETS, 0)
    rows = Headcount.objects.filter(**_subtree_rows(paths))
    for row in rows.values("bucket", "members"):
        heads[row["bucket"]] += row["members"]
    return heads


def member_page(
    members: QuerySet[Member],
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = 50,
    candidates: Candidates | None = None,
) -> MemberPage:
    """One page in (name, id) order after or before a cursor (the first page
    without either), in one query: ``size + 1`` rows say whether there is more.
    ``name >= x`` (or ``<=``) next to the exact row comparison lets the
    (name, id) index start at the cursor. With ``candidates`` (a superset of
    ``members``) the page is found candidates first (``NARROW_SUBTREE``)."""
    if before is not None:
        keyset = Q(
            Q(name__lt=before.name) | Q(name=before.name, pk__lt=before.pk),
            name__lte=before.name,
        )
        rows = _ordered(members, keyset, candidates, descending=True)[: size + 1]
        rows = list(rows)
        more = len(rows) > size
        rows = rows[:size][::-1]
        return MemberPage(
            members=rows,
            next=Cursor.of(rows[-1]) if rows else None,
            previous=Cursor.of(rows[0]) if rows and more else None,
        )
    keyset = Q()
    if after is not None:
        keyset = Q(
            Q(name__gt=after.name) | Q(name=after.name, pk__gt=after.pk),
            name__gte=after.name,
        )
    rows = list(_ordered(members, keyset, candidates)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return MemberPage(
        members=rows,
        next=Cursor.of(rows[-1]) if more else None,
        previous=Cursor.of(rows[0]) if rows and after is not None else None,
    )


def _ordered(
    members: QuerySet[Member],
    keyset: Q,
    candidates: Candidates | None,
    *,
    descending: bool = False,
) -> QuerySet[Member]:
    """``members`` past ``keyset`` in (name, id) order (or the reverse).

    With candidates, the sorted candidates are a common table expression that
    PostgreSQL inlines as a sub-query (not MATERIALIZED), so the planner knows
    their order: it sorts them, then reads members by primary key in that order
    and stops when the page is full, never sorting the members themselves."""
    order = ("-name", "-id") if descending else ("name", "id")
    if candidates is None:
        return members.filter(keyset).order_by(*order)
    cte = CTE(candidates.names(keyset).order_by(*order), name="candidates")
    joined = with_cte(cte, select=cte.join(members, id=cte.col.id))
    direction = "desc" if descending else "asc"
    return joined.order_by(
        getattr(cte.col.name, direction)(), getattr(cte.col.id, direction)()
    )


@dataclass
class LessonCell:
    status: str = ProgressStatus.NOT_STARTED
    completed_via: str = ""
    score: Decimal | None = None

    @property
    def via_label(self) -> str:
        return str(dict(CompletedVia.choices).get(self.completed_via, ""))


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
        # Each language's list comma: 、 in Chinese, not the English ", ".
        separator = pgettext("between the items of a list", ", ")
        return separator.join(str(labels.get(kind, kind)) for kind in kinds)

    @property
    def best_score(self) -> Decimal | None:
        scores = [c.score for c in self.cells if c.score is not None]
        return max(scores) if scores else None


def member_study_status(*, started: int, completed: int, lessons: int) -> str:
    """The one rule for a member's study status in a unit (the filters of
    ``members_for_report`` say the same in SQL)."""
    if lessons and completed == lessons:
        return StudyStatus.COMPLETED
    if started:
        return StudyStatus.IN_PROGRESS
    return StudyStatus.NOT_STARTED


# "Last activity" is when the member last studied: the latest of a lesson's start,
# its last playback or reading position and its completion (the study date of an
# in-person record). Not ``updated_at``: an organiser recording or revoking in-person
# study writes the row too, and organisers remind members by this column.
_PROGRESS_COLUMNS = (
    "member_id",
    "lesson_id",
    "status",
    "completed_via",
    "hours_credited",
    "started_at",
    "position_at",
    "completed_at",
)


def member_statuses(
    *, user, members: list[Member], unit: StudyUnit
) -> list[MemberStatus]:
    """Per-lesson cells and figures for a page (or an export chunk) of members,
    from the progress rows they have: two queries whatever the number of
    members, and the members need no annotations."""
    phone = phone_reader(user)
    ids = unit.lesson_ids
    member_ids = [member.pk for member in members]
    progress: dict[int, dict[int, tuple]] = {}
    for row in LessonProgress.objects.filter(
        member_id__any_of=member_ids, lesson_id__in=ids
    ).values_list(*_PROGRESS_COLUMNS):
        progress.setdefault(row[0], {})[row[1]] = row
    scores = _quiz_scores(member_ids, ids) if member_ids else {}
    empty = LessonCell()
    result = []
    for member in members:
        pk = member.pk
        rows = progress.get(pk, {})
        cells = []
        started = completed = 0
        hours = Decimal(0)
        last_activity = None
        for lesson_id in ids:
            row = rows.get(lesson_id)
            score = scores.get((pk, lesson_id)) if scores else None
            if row is None:
                cells.append(empty if score is None else LessonCell(score=score))
                continue
            _member, _lesson, status, via, credited, *times = row
            cells.append(LessonCell(status=status, completed_via=via, score=score))
            started += status != ProgressStatus.NOT_STARTED
            completed += status == ProgressStatus.COMPLETED
            hours += credited
            for at in times:
                if at is not None and (last_activity is None or at > last_activity):
                    last_activity = at
        result.append(
            MemberStatus(
                member=member,
                phone=phone(member),
                status=member_study_status(
                    started=started, completed=completed, lessons=len(ids)
                ),
                cells=cells,
                completed=completed,
                lessons=len(ids),
                hours=hours,
                last_activity=last_activity,
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
            member_id__any_of=member_ids, lesson_id__in=lesson_ids, score__isnull=False
        )
        .values("member_id", "lesson_id")
        .annotate(best=Max("score"))
        .order_by()
    )
    return {(row["member_id"], row["lesson_id"]): row["best"] for row in rows}


def iter_member_statuses(
    *,
    user,
    members: QuerySet[Member],
    unit: StudyUnit,
    status: str = "",
    chunk: int = 2000,
) -> Iterator[MemberStatus]:
    """Every member of ``members`` (``related_members``: no annotations) in the
    list's (name, id) order, with a study ``status`` filter applied to each
    chunk's figures.

    One query streams the members (a server-side cursor on PostgreSQL) and each
    chunk of ``chunk`` members costs two more (``member_statuses``), so an
    export of a county holds one chunk in memory and reads every progress row
    once (bench/reports: the per-member sub-queries of ``members_for_report``
    cost as much again as the rows they summed)."""
    # Organisation names by prefetch, not by join: a chunk's members share a
    # few hundred organisations, so each is read and built once a chunk.
    names = Organisation.objects.only("name")
    members = (
        members.select_related(None)
        .only(*EXPORT_MEMBER_FIELDS)
        .prefetch_related(
            Prefetch("home_organisation", queryset=names),
            Prefetch("host_organisation", queryset=names),
        )
        .order_by("name", "pk")
    )

    def statuses(batch: list[Member]) -> Iterator[MemberStatus]:
        items = member_statuses(user=user, members=batch, unit=unit) if batch else []
        return (item for item in items if not status or item.status == status)

    batch: list[Member] = []
    with transaction.atomic(using=members.db):
        _plan_for_all_rows(members.db)
        for member in members.iterator(chunk_size=chunk):
            batch.append(member)
            if len(batch) == chunk:
                yield from statuses(batch)
                batch = []
    yield from statuses(batch)


def _plan_for_all_rows(alias: str) -> None:
    """Tell PostgreSQL that every row of this transaction's cursors is wanted.

    A server-side cursor is planned for its first 10% of rows
    (``cursor_tuple_fraction``), so the export's was a walk of the primary key
    over all members, filtering: 2-3x slower than the bitmap scan chosen for a
    whole result (bench/reports)."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


# What an export row shows of a member (``views._member_row``) and what
# ``phone_for`` needs to decide on masking.
EXPORT_MEMBER_FIELDS = (
    "name",
    "phone",
    "user_id",
    "home_path",
    "mobility_status",
    "home_organisation_id",
    "host_organisation_id",
)
