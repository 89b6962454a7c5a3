from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from members import services
from members.models import Member
from members.phones import mask_phone
from members.scoping import (
    can_see_full_phone,
    can_see_member,
    full_phone_q,
    is_organiser,
    members_in_scope,
    organisation_paths_for,
    organisations_in_scope,
    phone_for,
    scope_page_ids,
)
from tests.members.conftest import make_member


def fresh(user):
    """A new user object, as a new request would have (scope is cached per object)."""
    return get_user_model().objects.get(pk=user.pk)


def names(user):
    return sorted(m.name for m in members_in_scope(fresh(user)))


def test_each_role_sees_exactly_its_subtree_and_hosted_members(people):
    assert names(people.province) == ["张三", "李四", "王五", "赵六"]
    assert names(people.city) == ["张三", "李四", "王五", "赵六"]
    assert names(people.county) == ["张三", "王五"]
    assert names(people.branch) == ["张三", "王五"]
    # The host county sees the member registered with it, and only that one.
    assert names(people.other_county) == ["王五"]
    assert names(people.liaison) == []
    assert names(people.helper) == ["张三"]
    assert names(people.plain) == []
    assert list(members_in_scope(AnonymousUser())) == []
    assert names(people.superuser) == ["张三", "李四", "王五", "赵六"]


def test_a_county_organiser_never_sees_another_countys_members(people):
    county = fresh(people.county)
    assert not can_see_member(county, people.local_a2a)
    assert not can_see_member(county, people.outflow)
    assert not members_in_scope(county).filter(pk=people.local_a2a.pk).exists()


def test_rows_are_flagged_home_host_or_paired(people):
    by_name = {m.name: m.scope for m in members_in_scope(fresh(people.county))}
    assert by_name == {"张三": "home", "王五": "home"}
    # Home A1a and host B1 are both inside the province.
    province = {m.name: m.scope for m in members_in_scope(fresh(people.province))}
    assert province["王五"] == "both"
    host_rows = {m.name: m.scope for m in members_in_scope(fresh(people.other_county))}
    assert host_rows == {"王五": "host"}
    helper_rows = {m.name: m.scope for m in members_in_scope(fresh(people.helper))}
    assert helper_rows == {"张三": "paired"}


def test_a_member_registered_inside_the_same_subtree_is_flagged_both(tree, people):
    # given a member of A1a registered with A2a, both inside city A
    registration = services.registration_request(
        member=people.local_a1a, organisation=tree.a2a
    )
    services.registration_confirm(registration=registration, decided_by=people.city)
    # then
    row = members_in_scope(fresh(people.city)).get(pk=people.local_a1a.pk)
    assert row.scope == "both"


def test_organisation_scope_collapses_nested_roles(tree, people):
    services.organiser_role_grant(user=people.county, organisation=tree.a1a)
    services.organiser_role_grant(user=people.county, organisation=tree.b1)
    assert organisation_paths_for(fresh(people.county)) == sorted(
        [tree.a1.path, tree.b1.path]
    )
    codes = [o.code for o in organisations_in_scope(fresh(people.county))]
    assert codes == ["A1", "A1A", "B1"]
    assert is_organiser(fresh(people.county))
    assert not is_organiser(fresh(people.helper))


def test_full_phone_only_for_the_member_and_home_side_organisers(people):
    hosted = people.hosted
    assert phone_for(fresh(people.county), hosted) == "13855556666"
    assert phone_for(fresh(hosted.user), hosted) == "13855556666"
    assert phone_for(fresh(people.other_county), hosted) == "138****6666"
    assert phone_for(fresh(people.helper), people.local_a1a) == "138****2222"
    assert not can_see_full_phone(AnonymousUser(), hosted)


def test_phone_mask_keeps_three_and_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_moving_a_subtree_keeps_members_in_the_new_ancestors_scope(tree, people):
    # when county A1 moves from city A to city B
    services.organisation_move(organisation=tree.a1, new_parent=tree.b)
    # then city B sees A1's members, city A no longer does, and the county still does
    moved = Member.objects.get(pk=people.local_a1a.pk)
    assert moved.home_path.startswith(tree.b.path)
    assert "张三" not in names(people.city)
    assert "张三" in names(people.county)
    city_b = get_user_model().objects.create_user("city_b")
    services.organiser_role_grant(user=city_b, organisation=tree.b)
    assert names(city_b) == ["张三", "王五"]


def test_services_announce_placement_changes_for_roll_ups(tree, people):
    from members.signals import member_placement_changed, organisation_moved

    seen = []

    def placed(sender, member, old_home_path, old_host_path, **kwargs):
        seen.append((member.name, old_home_path, old_host_path, member.host_path))

    def moved(sender, organisation, old_path, new_path, **kwargs):
        seen.append((organisation.code, old_path, new_path))

    member_placement_changed.connect(placed)
    organisation_moved.connect(moved)
    try:
        registration = services.registration_request(
            member=people.local_a1a, organisation=tree.b1
        )
        services.registration_confirm(registration=registration, decided_by=None)
        services.organisation_move(organisation=tree.a2, new_parent=tree.b)
    finally:
        member_placement_changed.disconnect(placed)
        organisation_moved.disconnect(moved)
    a2 = type(tree.a2).objects.get(pk=tree.a2.pk)
    assert seen == [
        ("张三", tree.a1a.path, "", ""),  # asked to register: now outflow
        ("张三", tree.a1a.path, "", tree.b1.path),  # confirmed: hosted by B1
        ("A2", tree.a2.path, a2.path),
    ]


def test_scope_page_ids_pages_through_exactly_members_in_scope(tree, people):
    # given more members than a page, and a helper who is also an organiser
    for i in range(12):
        make_member(tree.a1a if i % 2 else tree.a2a, name=f"成员{i:02d}")
    services.organiser_role_grant(user=people.helper, organisation=tree.a2a)

    for user in (
        people.province,
        people.county,
        people.other_county,
        people.helper,
        people.liaison,
        people.plain,
    ):
        expected = list(
            members_in_scope(fresh(user))
            .order_by("name", "id")
            .values_list("pk", flat=True)
        )
        # when paging five at a time
        pages = []
        for offset in range(0, len(expected) + 5, 5):
            pages += scope_page_ids(fresh(user), offset=offset, limit=5)
        # then every member comes once, in the same order
        assert pages == expected, user.username


def test_the_full_phone_filter_agrees_with_the_full_phone_rule(people):
    # One rule decides masking and what a phone search may match: the filter and
    # the per-member check must give the same answer for every user and member.
    users = [
        people.province,
        people.county,
        people.other_county,
        people.liaison,
        people.helper,
        people.plain,
        people.superuser,
        people.hosted.user,
        AnonymousUser(),
    ]
    for user in users:
        user = fresh(user) if user.is_authenticated else user
        in_filter = set(
            Member.objects.filter(full_phone_q(user)).values_list("pk", flat=True)
        )
        for member in Member.objects.all():
            assert (member.pk in in_filter) == can_see_full_phone(user, member)
