"""A small organisation tree and one user per role, shared by the members tests.

省 P (province)
├── 市 A (city) ── 县 A1 (county) ── 支部 A1a (branch)
│              └── 县 A2 (county) ── 支部 A2a (branch)
└── 市 B (city) ── 县 B1 (county)
驻外 L (liaison station, another province: a second root)
"""

import itertools
from types import SimpleNamespace

import pytest

from members import services
from members.models import Organisation
from tests.factories import make_user

_phones = itertools.count(13800000000)


def next_phone() -> str:
    return str(next(_phones))


def make_member(home, *, name="党员", username=None, phone=None, **fields):
    phone = phone or next_phone()
    user = make_user(username or f"m{phone}")
    return services.member_create(
        name=name, phone=phone, home_organisation=home, user=user, **fields
    )


@pytest.fixture
def tree(db):
    org = services.organisation_create
    kind = Organisation.Kind
    p = org(name="省委", kind=kind.PROVINCE, code="P")
    a = org(name="甲市", kind=kind.CITY, code="A", parent=p)
    a1 = org(name="甲一县", kind=kind.COUNTY, code="A1", parent=a)
    a1a = org(name="甲一支部", kind=kind.BRANCH, code="A1A", parent=a1)
    a2 = org(name="甲二县", kind=kind.COUNTY, code="A2", parent=a)
    a2a = org(name="甲二支部", kind=kind.BRANCH, code="A2A", parent=a2)
    b = org(name="乙市", kind=kind.CITY, code="B", parent=p)
    b1 = org(name="乙一县", kind=kind.COUNTY, code="B1", parent=b)
    liaison = org(name="驻沪联络站", kind=kind.LIAISON_STATION, code="L")
    made = {"p": p, "a": a, "a1": a1, "a1a": a1a, "a2": a2, "a2a": a2a, "b": b}
    made |= {"b1": b1, "liaison": liaison}
    # Re-read: adding children changed the parents' numchild after we got them.
    return SimpleNamespace(
        **{n: Organisation.objects.get(pk=o.pk) for n, o in made.items()}
    )


@pytest.fixture
def people(tree):
    """One user per role, and members: local in A1a, local in A2a, one from A1a
    registered (hosted) in B1, and one outflow from A2a."""
    grant = services.organiser_role_grant
    province = make_user("province")
    grant(user=province, organisation=tree.p)
    city = make_user("city")
    grant(user=city, organisation=tree.a)
    county = make_user("county")
    grant(user=county, organisation=tree.a1)
    other_county = make_user("county_b1")
    grant(user=other_county, organisation=tree.b1)
    branch = make_user("branch")
    grant(user=branch, organisation=tree.a1a)
    liaison = make_user("liaison")
    grant(user=liaison, organisation=tree.liaison)
    superuser = make_user("root", is_superuser=True, is_staff=True)
    local_a1a = make_member(
        tree.a1a, name="张三", username="zhang", phone="13811112222"
    )
    local_a2a = make_member(tree.a2a, name="李四", username="li", phone="13833334444")
    hosted = make_member(tree.a1a, name="王五", username="wang", phone="13855556666")
    registration = services.registration_request(member=hosted, organisation=tree.b1)
    services.registration_confirm(registration=registration, decided_by=other_county)
    outflow = make_member(tree.a2a, name="赵六", username="zhao", phone="13877778888")
    services.member_record_moved_out(
        member=outflow, whereabouts="上海市浦东新区", recorded_by=city
    )
    helper = make_user("helper")
    services.pairing_create(helper=helper, member=local_a1a, created_by=county)
    plain = make_user("plain")
    return SimpleNamespace(
        province=province,
        city=city,
        county=county,
        other_county=other_county,
        branch=branch,
        liaison=liaison,
        superuser=superuser,
        helper=helper,
        plain=plain,
        local_a1a=local_a1a,
        local_a2a=local_a2a,
        hosted=hosted,
        outflow=outflow,
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The people fixture creates a dozen users; PBKDF2 would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
