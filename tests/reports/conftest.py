"""A small province: two cities, three counties, branches; members local, outflow
and inflow; one course of two reading lessons and a campaign over it."""

import datetime as dt
import itertools
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from courses.models import CompletedVia
from courses.reporting.models import Campaign, CampaignCourse
from courses.reporting.rollups import rollups_rebuild
from courses.reporting.selectors import members as selectors_members
from courses.services import (
    EventInput,
    lesson_progress_complete,
    lesson_progress_record,
)
from members.models import Member, Organisation
from members.services import (
    member_create,
    organisation_create,
    organiser_role_grant,
    pairing_create,
)
from tests.factories import make_course, make_home, make_lesson, make_user

_phones = itertools.count(13900000000)


def org(name, kind, parent=None):
    return organisation_create(
        name=name, kind=kind, code=uuid.uuid4().hex[:8], parent=parent
    )


def member(name, home, *, host=None, mobility=Member.Mobility.LOCAL):
    created = member_create(
        name=name,
        phone=str(next(_phones)),
        home_organisation=home,
        user=make_user(name),
    )
    if mobility != Member.Mobility.LOCAL:
        # Mobility is set by members' registration services in real use; the
        # report only reads the resulting fields.
        created.mobility_status = mobility
        created.host_organisation = host
        created.host_path = host.path if host else ""
        created.save()
    return created


def start(member_, lesson, *, at=None):
    at = at or timezone.now() - dt.timedelta(minutes=5)
    lesson_progress_record(
        member=member_,
        events=[
            EventInput(
                lesson_id=lesson.pk,
                id=str(uuid.uuid4()),
                session="s",
                at=at,
                position=0,
            )
        ],
    )


def complete(member_, lesson, *, via=CompletedVia.ONLINE, at=None):
    lesson_progress_complete(member=member_, lesson=lesson, via=via, at=at)


@pytest.fixture
def province(db):
    kind = Organisation.Kind
    p = org("省", kind.PROVINCE)
    city_a = org("甲市", kind.CITY, p)
    city_b = org("乙市", kind.CITY, p)
    county_a1 = org("甲一县", kind.COUNTY, city_a)
    county_a2 = org("甲二县", kind.COUNTY, city_a)
    county_b1 = org("乙一县", kind.COUNTY, city_b)
    branch_a1 = org("甲一支部", kind.BRANCH, county_a1)
    branch_a1b = org("甲一二支部", kind.BRANCH, county_a1)
    branch_a2 = org("甲二支部", kind.BRANCH, county_a2)
    branch_b1 = org("乙一支部", kind.BRANCH, county_b1)
    home = make_home()
    course = make_course(home, title="党史学习", slug="history")
    lessons = [
        make_lesson(course, title="第一课", slug="l1", body=[("text", "<p>读</p>")]),
        make_lesson(course, title="第二课", slug="l2", body=[("text", "<p>读</p>")]),
    ]
    for lesson in lessons:
        lesson.study_hours = 1
        lesson.save_revision().publish()
    ns = SimpleNamespace(
        province=p,
        city_a=city_a,
        city_b=city_b,
        county_a1=county_a1,
        county_a2=county_a2,
        county_b1=county_b1,
        branch_a1=branch_a1,
        branch_a1b=branch_a1b,
        branch_a2=branch_a2,
        branch_b1=branch_b1,
        course=course,
        lessons=lessons,
    )
    # Members: local ones, an outflow member (moved away, not registered), an
    # inflow member who moved from county B1 into branch A1.
    ns.li = member("li", branch_a1)
    ns.zhang = member("zhang", branch_a1)
    ns.zhao = member("zhao", branch_a1b)
    ns.qian = member("qian", branch_a2, mobility=Member.Mobility.OUTFLOW)
    ns.sun = member("sun", branch_b1)
    ns.wu = member("wu", branch_b1, host=branch_a1, mobility=Member.Mobility.INFLOW)
    return ns


@pytest.fixture
def campaign(province):
    campaign = Campaign.objects.create(
        name="主题教育",
        # Relative to today so the campaign stays active whenever the tests run.
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() + dt.timedelta(days=300),
    )
    campaign.organisations.set([province.city_a])
    campaign.save()  # a ParentalManyToManyField is written on save
    CampaignCourse.objects.create(campaign=campaign, course=province.course)
    return campaign


@pytest.fixture
def studied(province, campaign):
    """Headcounts refreshed (the periodic rebuild), then study through the services."""
    rollups_rebuild()
    p = province
    l1, l2 = p.lessons
    complete(p.li, l1)
    complete(p.li, l2)  # li: course complete, 2 hours
    start(p.zhang, l1)  # zhang: started
    complete(p.qian, l1, via=CompletedVia.IN_PERSON)
    complete(p.qian, l2, via=CompletedVia.IN_PERSON)  # outflow, complete
    complete(p.wu, l1)
    complete(p.wu, l2)  # inflow at branch A1, complete
    start(p.sun, l1)  # county B1
    return p


@pytest.fixture
def county_organiser(province):
    user = make_user("county_a1_organiser")
    organiser_role_grant(user=user, organisation=province.county_a1)
    return user


@pytest.fixture
def city_organiser(province):
    user = make_user("city_a_organiser")
    organiser_role_grant(user=user, organisation=province.city_a)
    return user


@pytest.fixture
def county_b1_organiser(province):
    """County B1's organiser: wu's home side (wu is hosted in county A1)."""
    user = make_user("county_b1_organiser")
    organiser_role_grant(user=user, organisation=province.county_b1)
    return user


@pytest.fixture
def province_organiser(province):
    user = make_user("province_organiser")
    organiser_role_grant(user=user, organisation=province.province)
    return user


@pytest.fixture
def helper(province):
    user = make_user("helper")
    pairing_create(helper=user, member=province.zhang)
    return user


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture(params=["candidates first", "name index"])
def paging_way(request, monkeypatch):
    """Both ways to find a page (selectors.members.NARROW_SUBTREE): every small
    test subtree takes the first unless the threshold is lowered."""
    if request.param == "name index":
        monkeypatch.setattr(selectors_members, "NARROW_SUBTREE", -1)
        monkeypatch.setattr(selectors_members, "INFLOW_LEDGER_CANDIDATES", -1)
    return request.param
