from django.contrib.auth import get_user_model

from members import demo
from members.models import (
    ContactRecord,
    Member,
    MobilityRecord,
    Organisation,
    OrganiserRole,
    Registration,
)
from members.scoping import members_in_scope

MODELS = (
    Organisation,
    Member,
    MobilityRecord,
    Registration,
    OrganiserRole,
    ContactRecord,
)


def counts():
    return [m.objects.count() for m in MODELS]


def test_seed_builds_a_realistic_tree_and_is_idempotent(db):
    # when it runs twice
    logins = demo.seed()
    first = counts()
    assert demo.seed() == logins
    # then nothing is duplicated
    assert counts() == first
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {"province", "city", "county", "branch", "joint_branch"} <= kinds
    assert "liaison_station" in kinds
    statuses = set(Member.objects.values_list("mobility_status", flat=True))
    assert statuses == {"local", "outflow", "inflow"}
    assert Registration.objects.filter(status="requested").exists()
    usernames = {login.username for login in logins}
    assert {"member", "org_province", "org_county", "helper"} <= usernames


def test_seeded_member_login_has_a_profile_and_each_organiser_a_scope(db):
    demo.seed()
    User = get_user_model()
    assert User.objects.get(username="member").member.home_organisation.code == (
        "JN01010101"
    )
    province = members_in_scope(User.objects.get(username="org_province")).count()
    county = members_in_scope(User.objects.get(username="org_county")).count()
    liaison = members_in_scope(User.objects.get(username="org_liaison"))
    helper = members_in_scope(User.objects.get(username="helper")).count()
    assert province > county > 0
    assert [m.name for m in liaison] == ["孙建国"]
    assert helper == 2
