"""Property test: the incrementally kept roll-ups equal a recomputation from scratch.

A Hypothesis state machine drives random sequences of the public services over a
small tree (a province, two cities, two counties each, two branches per county;
a station in another province, a root of its own) and two courses held by two
campaigns (one for all members of city A, one for mobile members of two
subtrees):

* members: ``member_create`` (with or without a host, any status),
  ``member_record_moved_out``, ``member_record_returned``, the registration flow
  (``registration_request`` / ``_confirm`` / ``_decline`` / ``_cancel`` / ``_end``),
  ``member_update`` changing the home organisation, ``organisation_move`` of any
  subtree;
* progress: ``lesson_progress_record`` (reading sessions that start a lesson or
  complete it), ``lesson_progress_complete``, ``in_person_study_record`` and
  ``_revoke``, at moments spread over several weeks;
* edits the roll-ups follow by a refresh after commit: publishing,
  unpublishing, moving (to the other course) and deleting a lesson (refused, with
  nothing changed, once a member studied it), unpublishing and publishing a course
  (Wagtail leaves its lessons live), a campaign's member category and target
  organisations.

After every step each stored row of ``ProgressRollup``, ``WeeklyCompletion`` and
``Headcount`` with anything in it must equal what the counting rules of
docs/reports.md give, at every level of the tree: ``expected_rows`` below
recomputes them with plain ORM reads of ``Member``, ``LessonProgress``, pages and
campaigns, independently of courses.reporting.rollups. Every stored row must sit
at the path and depth of an existing organisation. ``rollups_rebuild --check``
must agree as well.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from courses.models import (
    CompletedVia,
    CoursePage,
    InPersonStudy,
    LessonPage,
    LessonProgress,
    ProgressStatus,
)
from courses.reporting.models import (
    Campaign,
    CampaignCourse,
    Headcount,
    ProgressRollup,
    WeeklyCompletion,
)
from courses.reporting.rollups import rollups_rebuild
from courses.services import (
    AlreadyRecorded,
    EventInput,
    in_person_study_record,
    in_person_study_revoke,
    lesson_progress_complete,
    lesson_progress_record,
)
from members.models import Member, Organisation, Registration
from members.services import (
    MemberStateError,
    member_create,
    member_record_moved_out,
    member_record_returned,
    member_update,
    organisation_create,
    organisation_move,
    registration_cancel,
    registration_confirm,
    registration_decline,
    registration_end,
    registration_request,
)
from tests.factories import make_course, make_home, make_lesson, make_user

_phones = itertools.count(13700000000)

# Moments of study: several weeks, and both sides of a Monday midnight in the
# site's time zone (the completion week is the local week).
_MONDAY = timezone.make_aware(dt.datetime(2026, 11, 2), timezone.get_current_timezone())
MOMENTS = [
    _MONDAY - dt.timedelta(minutes=1),
    _MONDAY,
    _MONDAY + dt.timedelta(days=3, hours=9),
    _MONDAY + dt.timedelta(days=7, hours=10),
    _MONDAY + dt.timedelta(days=20, hours=23, minutes=59),
]
DAYS = [moment.date() for moment in MOMENTS]
MOBILITY = [Member.Mobility.LOCAL, Member.Mobility.OUTFLOW, Member.Mobility.INFLOW]


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.00"))


def expected_rows() -> tuple[dict, dict, dict]:
    """The three tables recomputed from the counting rules (docs/reports.md), keyed
    (path, course, campaign, bucket), (path, course, campaign, week) and (path,
    bucket); only keys holding something."""
    organisations = list(Organisation.objects.values_list("path", flat=True))

    def levels(path):
        # Every organisation whose subtree holds ``path``: itself and its ancestors.
        return [org for org in organisations if path.startswith(org)]

    # Where each member is counted: at the host when registered there (inflow),
    # else at home; in the bucket of the mobility status.
    where = {}
    for pk, home, host, host_id, status in Member.objects.values_list(
        "pk", "home_path", "host_path", "host_organisation_id", "mobility_status"
    ):
        where[pk] = (host if host_id else home, status)

    headcount: dict = defaultdict(int)
    for path, bucket in where.values():
        for level in levels(path):
            headcount[(level, bucket)] += 1

    def live_lessons(course):
        return set(
            LessonPage.objects.live().child_of(course).values_list("pk", flat=True)
        )

    # Units: every live course with its live lessons; every campaign with the live
    # lessons of all its courses, counting members in its targets and buckets.
    units = [
        ((course.pk, None), live_lessons(course), None)
        for course in CoursePage.objects.live()
    ]
    for campaign in Campaign.objects.all():
        lessons = set()
        for link in CampaignCourse.objects.filter(campaign=campaign):
            lessons |= live_lessons(CoursePage.objects.get(pk=link.course_id))
        targets = list(campaign.organisations.values_list("path", flat=True))
        buckets = (
            {Member.Mobility.OUTFLOW, Member.Mobility.INFLOW}
            if campaign.category == Campaign.Category.MOBILE
            else set(MOBILITY)
        )

        def counts(place, targets=targets, buckets=buckets):
            path, bucket = place
            return bucket in buckets and any(path.startswith(t) for t in targets)

        units.append(((None, campaign.pk), lessons, counts))

    progress_of: dict = defaultdict(dict)
    for (
        member_id,
        lesson_id,
        status,
        hours,
        completed_at,
    ) in LessonProgress.objects.values_list(
        "member_id", "lesson_id", "status", "hours_credited", "completed_at"
    ):
        progress_of[member_id][lesson_id] = (status, hours, completed_at)

    progress: dict = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    weekly: dict = defaultdict(int)
    for key, lessons, counts in units:
        for member_id, place in where.items():
            if counts is not None and not counts(place):
                continue
            rows = [
                progress_of[member_id][pk]
                for pk in lessons
                if pk in progress_of[member_id]
            ]
            started = any(status != ProgressStatus.NOT_STARTED for status, *_ in rows)
            done = [row for row in rows if row[0] == ProgressStatus.COMPLETED]
            completed = bool(lessons) and len(done) == len(lessons)
            hours = sum((Decimal(row[1] or 0) for row in rows), Decimal(0))
            path, bucket = place
            for level in levels(path):
                figures = progress[(level, *key, bucket)]
                figures[0] += int(counts is not None)
                figures[1] += int(started)
                figures[2] += int(completed)
                figures[3] += hours
            if completed:
                last = timezone.localtime(max(row[2] for row in done)).date()
                week = last - dt.timedelta(days=last.weekday())
                for level in levels(path):
                    weekly[(level, *key, week)] += 1
    return (
        {
            key: (members, started, completed, _money(hours))
            for key, (members, started, completed, hours) in progress.items()
            if members or started or completed or hours
        },
        {key: n for key, n in weekly.items() if n},
        {key: n for key, n in headcount.items() if n},
    )


def stored_rows() -> tuple[dict, dict, dict]:
    """The three tables as stored, rows holding nothing left out; a key stored
    twice, or at a depth other than its organisation's, fails here."""
    depth_of = dict(Organisation.objects.values_list("path", "depth"))
    progress, weekly, headcount = {}, {}, {}

    def put(table, key, value, depth):
        assert key not in table, f"{key} stored twice"
        assert depth_of.get(key[0]) == depth, (
            f"{key}: row at depth {depth}, organisation {depth_of.get(key[0])}"
        )
        table[key] = value

    for row in ProgressRollup.objects.values_list(
        "path",
        "course_id",
        "campaign_id",
        "bucket",
        "depth",
        "members",
        "started",
        "completed",
        "hours",
    ):
        if any(row[5:]):
            put(progress, row[:4], (*row[5:8], _money(row[8])), row[4])
    for row in WeeklyCompletion.objects.values_list(
        "path", "course_id", "campaign_id", "week", "depth", "completed"
    ):
        if row[5]:
            put(weekly, row[:4], row[5], row[4])
    for path, bucket, depth, members in Headcount.objects.values_list(
        "path", "bucket", "depth", "members"
    ):
        if members:
            put(headcount, (path, bucket), members, depth)
    return progress, weekly, headcount


def _differences(name: str, expected: dict, stored: dict) -> list[str]:
    return [
        f"{name} {key}: stored {stored.get(key)}, expected {expected.get(key)}"
        for key in sorted(expected.keys() | stored.keys(), key=repr)
        if expected.get(key) != stored.get(key)
    ]


class World:
    """What every example starts from (created once per test, rolled back to
    after each example)."""

    def __init__(self):
        kind = Organisation.Kind
        self.organiser = make_user("consistency_organiser")

        def org(name, kind, parent=None):
            return organisation_create(
                name=name, kind=kind, code=uuid.uuid4().hex[:8], parent=parent
            )

        province = org("省", kind.PROVINCE)
        orgs = [province]
        for city_name in ("甲", "乙"):
            city = org(f"{city_name}市", kind.CITY, province)
            orgs.append(city)
            for county_number in ("一", "二"):
                county = org(f"{city_name}{county_number}县", kind.COUNTY, city)
                orgs.append(county)
                for branch_number in ("1", "2"):
                    orgs.append(
                        org(
                            f"{city_name}{county_number}{branch_number}支部",
                            kind.BRANCH,
                            county,
                        )
                    )
        # A root of its own: a station in another province, outside the targets.
        orgs.append(org("驻外工作站", kind.LABOUR_STATION))
        self.org_ids = [o.pk for o in orgs]
        by_name = {o.name: o for o in orgs}
        home = make_home()
        self.course_a = make_course(home, title="党史", slug="history")
        self.course_b = make_course(home, title="党章", slug="charter")
        self.course_b.save_revision().publish()
        lessons = []
        for course, slug, hours in (
            (self.course_a, "a1", "1"),
            (self.course_a, "a2", "0.5"),
            (self.course_a, "a3", "2"),
            (self.course_b, "b1", "1.25"),
        ):
            lesson = make_lesson(
                course, title=slug, slug=slug, body=[("text", "<p>读</p>")]
            )
            lesson.study_hours = Decimal(hours)
            lesson.save_revision().publish()
            lessons.append(lesson.pk)
        self.lesson_ids = lessons
        self.course_ids = [self.course_a.pk, self.course_b.pk]
        today = timezone.localdate()
        everyone = Campaign.objects.create(
            name="全体",
            starts_on=today - dt.timedelta(days=60),
            ends_on=today + dt.timedelta(days=60),
        )
        everyone.organisations.set([by_name["甲市"]])
        everyone.save()
        CampaignCourse.objects.create(campaign=everyone, course=self.course_a)
        CampaignCourse.objects.create(campaign=everyone, course=self.course_b)
        mobile = Campaign.objects.create(
            name="流动",
            category=Campaign.Category.MOBILE,
            starts_on=today - dt.timedelta(days=60),
            ends_on=today + dt.timedelta(days=60),
        )
        mobile.organisations.set([by_name["乙一县"], by_name["甲二1支部"]])
        mobile.save()
        CampaignCourse.objects.create(campaign=mobile, course=self.course_a)
        self.campaign_ids = [everyone.pk, mobile.pk]
        rollups_rebuild()


def _pick(options, index):
    return options[index % len(options)] if options else None


class RollupMachine(RuleBasedStateMachine):
    """Random sequences of services; after each, the roll-ups equal the rules."""

    world: World
    capture = None  # django_capture_on_commit_callbacks, set by the test

    members = Bundle("members")

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back in ``teardown``.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.step = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- helpers -----------------------------------------------------------------

    def org(self, index) -> Organisation:
        return Organisation.objects.get(pk=_pick(self.world.org_ids, index))

    def member(self, pk) -> Member:
        # Every caller of a service reads the member afresh (a request, a task).
        return Member.objects.get(pk=pk)

    def live_lesson(self, index) -> LessonPage | None:
        lessons = list(
            LessonPage.objects.live()
            .filter(pk__in=self.world.lesson_ids)
            .order_by("pk")
        )
        return _pick(lessons, index)

    def attempt(self, description, action):
        self.step += 1
        try:
            with self.capture(execute=True):
                action()
        except (MemberStateError, AlreadyRecorded, ProtectedError) as error:
            # ProtectedError: a lesson members studied is not deleted (PROTECT),
            # and the refused delete leaves the tree and the rows as they were.
            note(f"{self.step}. {description}: refused ({error})")
            return
        note(f"{self.step}. {description}")

    # -- members -----------------------------------------------------------------

    @initialize(target=members, home=st.integers(0, 15))
    def first_member(self, home):
        return self._create(home, None, 0)

    @rule(
        target=members,
        home=st.integers(0, 15),
        host=st.none() | st.integers(0, 15),
        status=st.integers(0, 2),
    )
    def add_member(self, home, host, status):
        return self._create(home, host, status)

    def _create(self, home, host, status):
        home_org = self.org(home)
        host_org = self.org(host) if host is not None else None
        created = []

        def action():
            created.append(
                member_create(
                    name=f"m{self.step}",
                    phone=str(next(_phones)),
                    home_organisation=home_org,
                    host_organisation=host_org,
                    mobility_status=MOBILITY[status],
                )
            )

        self.attempt(
            f"member_create(home={home_org.name}, host="
            f"{host_org.name if host_org else None}, status={MOBILITY[status]})",
            action,
        )
        return created[0].pk if created else multiple()

    @rule(member=members)
    def moved_out(self, member):
        m = self.member(member)
        self.attempt(
            f"member_record_moved_out({m.name})",
            lambda: member_record_moved_out(
                member=m, whereabouts="外地", recorded_by=self.world.organiser
            ),
        )

    @rule(member=members)
    def returned(self, member):
        m = self.member(member)
        self.attempt(
            f"member_record_returned({m.name})",
            lambda: member_record_returned(member=m, recorded_by=self.world.organiser),
        )

    @rule(
        member=members,
        organisation=st.integers(0, 15),
        then=st.sampled_from([None, "confirm", "confirm", "decline", "cancel"]),
    )
    def request(self, member, organisation, then):
        """A member asks to register; the answer may follow at once (a rule of
        its own, ``answer``, also answers requests left open)."""
        m, o = self.member(member), self.org(organisation)
        self.attempt(
            f"registration_request({m.name}, {o.name})",
            lambda: registration_request(member=m, organisation=o),
        )
        pending = Registration.objects.filter(
            member_id=m.pk, status=Registration.Status.REQUESTED
        ).first()
        if then is not None and pending is not None:
            self._answer(pending, then)

    def _registration(self, status, index):
        return _pick(
            list(Registration.objects.filter(status=status).order_by("pk")), index
        )

    def _open(self, status) -> bool:
        return Registration.objects.filter(status=status).exists()

    @precondition(lambda self: self._open(Registration.Status.REQUESTED))
    @rule(
        index=st.integers(0, 10),
        how=st.sampled_from(["confirm", "decline", "cancel"]),
    )
    def answer(self, index, how):
        """The host confirms or declines a request, or the member cancels it."""
        self._answer(self._registration(Registration.Status.REQUESTED, index), how)

    def _answer(self, registration, how):
        by = self.world.organiser
        action = {
            "confirm": lambda: registration_confirm(
                registration=registration, decided_by=by
            ),
            "decline": lambda: registration_decline(
                registration=registration, decided_by=by, reason="不符"
            ),
            "cancel": lambda: registration_cancel(registration=registration),
        }[how]
        self.attempt(
            f"registration_{how}({registration.member.name} at "
            f"{registration.organisation.name})",
            action,
        )

    @precondition(lambda self: self._open(Registration.Status.CONFIRMED))
    @rule(index=st.integers(0, 10))
    def end(self, index):
        registration = self._registration(Registration.Status.CONFIRMED, index)
        self.attempt(
            f"registration_end({registration.member.name})",
            lambda: registration_end(
                registration=registration, ended_by=self.world.organiser
            ),
        )

    @rule(member=members, home=st.integers(0, 15))
    def change_home(self, member, home):
        m, o = self.member(member), self.org(home)
        self.attempt(
            f"member_update({m.name}, home={o.name})",
            lambda: member_update(
                member=m,
                name=m.name,
                phone=m.phone,
                whereabouts=m.whereabouts,
                note=m.note,
                home_organisation=o,
            ),
        )

    @rule(organisation=st.integers(1, 14), parent=st.integers(0, 15))
    def move_organisation(self, organisation, parent):
        o, p = self.org(organisation), self.org(parent)
        self.attempt(
            f"organisation_move({o.name} under {p.name})",
            lambda: organisation_move(organisation=o, new_parent=p),
        )

    # -- progress ----------------------------------------------------------------

    @rule(
        member=members,
        lesson=st.integers(0, 3),
        moment=st.integers(0, len(MOMENTS) - 1),
        seconds=st.sampled_from([0, 30, 70]),
    )
    def study(self, member, lesson, moment, seconds):
        """A reading session: starts the lesson, completes it past 60 s."""
        m, page = self.member(member), self.live_lesson(lesson)
        if page is None:
            return
        start = MOMENTS[moment] - dt.timedelta(seconds=seconds)
        session = uuid.uuid4().hex
        events = [
            EventInput(
                lesson_id=page.pk,
                id=str(uuid.uuid4()),
                session=session,
                at=at,
                position=0,
            )
            for at in {start, MOMENTS[moment]}
        ]
        self.attempt(
            f"lesson_progress_record({m.name}, {page.slug}, {seconds} s "
            f"ending {MOMENTS[moment].isoformat()})",
            lambda: lesson_progress_record(
                member=Member(pk=m.pk), events=events, now=MOMENTS[moment]
            ),
        )

    @rule(member=members, lesson=st.integers(0, 3), moment=st.integers(0, 4))
    def complete(self, member, lesson, moment):
        m, page = self.member(member), self.live_lesson(lesson)
        if page is None:
            return
        self.attempt(
            f"lesson_progress_complete({m.name}, {page.slug}, "
            f"{MOMENTS[moment].isoformat()})",
            lambda: lesson_progress_complete(
                member=m, lesson=page, via=CompletedVia.ONLINE, at=MOMENTS[moment]
            ),
        )

    @rule(member=members, lesson=st.integers(0, 3), day=st.integers(0, 4))
    def in_person(self, member, lesson, day):
        m, page = self.member(member), self.live_lesson(lesson)
        if page is None:
            return
        self.attempt(
            f"in_person_study_record({m.name}, {page.slug}, {DAYS[day]})",
            lambda: in_person_study_record(
                recorded_by=self.world.organiser,
                member=m,
                lesson=page,
                studied_on=DAYS[day],
            ),
        )

    @precondition(
        lambda self: InPersonStudy.objects.filter(revoked_at__isnull=True).exists()
    )
    @rule(index=st.integers(0, 10))
    def revoke(self, index):
        record = _pick(
            list(InPersonStudy.objects.filter(revoked_at__isnull=True).order_by("pk")),
            index,
        )
        self.attempt(
            f"in_person_study_revoke({record.member.name}, {record.lesson.slug})",
            lambda: in_person_study_revoke(
                revoked_by=self.world.organiser, record=record, reason="误记"
            ),
        )

    # -- edits refreshed after commit --------------------------------------------

    @rule(
        edit=st.sampled_from(
            [
                "toggle_lesson",
                "toggle_lesson",
                "move_lesson",
                "move_lesson",
                "delete_lesson",
                "toggle_course",
                "toggle_course",
                "toggle_category",
                "toggle_target",
                "toggle_target",
            ]
        ),
        first=st.integers(0, 15),
        second=st.integers(0, 15),
    )
    def edit(self, edit, first, second):
        """An editor's change of what a unit means (one rule, so that these are
        as frequent as one member service)."""
        if edit in {"toggle_lesson", "delete_lesson"}:
            getattr(self, edit)(first)
        elif edit in {"toggle_course", "toggle_category"}:
            getattr(self, edit)(first % 2)
        else:
            getattr(self, edit)(first, second)

    def lesson(self, index) -> LessonPage | None:
        return LessonPage.objects.filter(pk=_pick(self.world.lesson_ids, index)).first()

    @rule(lesson=st.integers(0, 3))
    def toggle_lesson(self, lesson):
        page = self.lesson(lesson)
        if page is None:
            return
        if page.live:
            self.attempt(f"unpublish lesson {page.slug}", page.unpublish)
        else:
            self.attempt(
                f"publish lesson {page.slug}",
                lambda: page.save_revision().publish(),
            )

    @rule(lesson=st.integers(0, 3), course=st.integers(0, 1))
    def move_lesson(self, lesson, course):
        page = self.lesson(lesson)
        target = CoursePage.objects.get(pk=_pick(self.world.course_ids, course))
        if page is None or page.get_parent().pk == target.pk:
            return
        self.attempt(
            f"move lesson {page.slug} to {target.slug}",
            lambda: page.move(target, pos="last-child"),
        )

    @rule(lesson=st.integers(0, 3))
    def delete_lesson(self, lesson):
        page = self.lesson(lesson)
        if page is None:
            return
        self.attempt(f"delete lesson {page.slug}", page.delete)

    @rule(course=st.integers(0, 1))
    def toggle_course(self, course):
        page = CoursePage.objects.get(pk=_pick(self.world.course_ids, course))
        if page.live:
            self.attempt(f"unpublish course {page.slug}", page.unpublish)
        else:
            self.attempt(
                f"publish course {page.slug}",
                lambda: page.save_revision().publish(),
            )

    @rule(campaign=st.integers(0, 1))
    def toggle_category(self, campaign):
        c = Campaign.objects.get(pk=_pick(self.world.campaign_ids, campaign))
        c.category = (
            Campaign.Category.ALL
            if c.category == Campaign.Category.MOBILE
            else Campaign.Category.MOBILE
        )
        self.attempt(f"campaign {c.name} category {c.category}", c.save)

    @rule(campaign=st.integers(0, 1), organisation=st.integers(0, 15))
    def toggle_target(self, campaign, organisation):
        c = Campaign.objects.get(pk=_pick(self.world.campaign_ids, campaign))
        o = self.org(organisation)
        targets = set(c.organisations.all())
        action = "drops" if o in targets else "adds"
        targets ^= {o}

        def change():
            c.organisations.set(targets)
            c.save()

        self.attempt(f"campaign {c.name} {action} target {o.name}", change)

    # -- the property ------------------------------------------------------------

    @invariant()
    def rollups_follow_the_rules(self):
        expected = expected_rows()
        stored = stored_rows()
        problems = [
            line
            for name, want, have in zip(
                ("progress", "weekly", "headcount"), expected, stored, strict=True
            )
            for line in _differences(name, want, have)
        ]
        assert not problems, "\n".join(problems)
        drift = rollups_rebuild(check=True)
        assert not drift.found, drift


def test_rollups_equal_a_recomputation_after_any_sequence_of_services(
    db, django_capture_on_commit_callbacks
):
    RollupMachine.world = World()
    RollupMachine.capture = staticmethod(django_capture_on_commit_callbacks)
    run_state_machine_as_test(
        RollupMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.function_scoped_fixture,
            ],
        ),
    )
