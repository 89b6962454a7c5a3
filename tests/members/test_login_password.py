"""Organisers set a member's login password (no self-service reset exists), but
only for a login that sees no more than they do."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from members import services
from tests.members.conftest import make_member

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW = {"new_password1": "river-lantern-42", "new_password2": "river-lantern-42"}


def password_url(member):
    return reverse("members_member:password", args=[member.pk])


def inspect(client, member) -> str:
    url = reverse("members_member:inspect", args=[member.pk])
    return client.get(url, **EN).content.decode()


def logs_in(client, username, password) -> bool:
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, **EN
    )
    return response.status_code == 302


def test_a_member_added_without_a_password_gets_one_and_logs_in(client, tree, people):
    # given a member added by an organiser: a login named by the phone, no password
    member = services.member_create(
        name="孙七", phone="13899990000", home_organisation=tree.a1a
    )
    client.force_login(people.county)
    assert "No password yet" in inspect(client, member)

    # when the county organiser sets one
    response = client.post(password_url(member), NEW, **EN)

    # then the member's page says who set it, and the member logs in with it
    assert response.status_code == 302
    assert response["Location"] == reverse("members_member:inspect", args=[member.pk])
    assert "Password last set by county on" in inspect(client, member)
    assert logs_in(client, "13899990000", NEW["new_password1"])


def test_a_new_password_ends_the_sessions_of_the_old_one(client, people, tree):
    member = people.local_a1a
    member.user.set_password("old-password-77")
    member.user.save()
    phone = type(client)()
    phone.post("/accounts/login/", {"username": "zhang", "password": "old-password-77"})
    assert phone.get("/my-study/").status_code == 200

    client.force_login(people.branch)
    client.post(password_url(member), NEW, **EN)

    # the phone signed in with the old password is signed out
    assert phone.get("/my-study/").status_code == 302
    assert not logs_in(client, "zhang", "old-password-77")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"new_password1": "123456", "new_password2": "123456"}, "too common"),
        (
            {"new_password1": "river-lantern-42", "new_password2": "river-lantern-43"},
            "didn’t match",
        ),
        ({"new_password1": "", "new_password2": ""}, "This field is required."),
    ],
)
def test_a_weak_or_mistyped_password_is_a_form_error(client, people, form, message):
    client.force_login(people.county)

    response = client.post(password_url(people.local_a1a), form, **EN)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not people.local_a1a.user.has_usable_password() or not logs_in(
        client, "zhang", form["new_password1"]
    )


def test_only_the_home_side_sets_a_password(client, people):
    # 王五 is from A1a and registered in county B1: B1's organiser hosts him
    client.force_login(people.other_county)

    response = client.post(password_url(people.hosted), NEW, **EN)

    assert response.status_code == 404
    assert "Set a login password" not in inspect(client, people.hosted)


def test_a_login_that_sees_beyond_the_organiser_is_refused(client, tree, people):
    # given 张三 (branch A1a) helps 李四, a member of county A2: the county A1
    # organiser does not see 李四, so signing in as 张三 would widen their view
    services.pairing_create(
        helper=people.local_a1a.user, member=people.local_a2a, created_by=people.city
    )
    client.force_login(people.county)

    response = client.post(password_url(people.local_a1a), NEW, follow=True, **EN)

    # sent back to the member's page, which says why
    assert response.redirect_chain[0][1] == 302
    assert "only a site administrator can set its password" in (
        response.content.decode()
    )
    assert not logs_in(client, "zhang", NEW["new_password1"])
    # the city organiser sees both members: for them it is within reach
    client.force_login(people.city)
    assert client.post(password_url(people.local_a1a), NEW, **EN).status_code == 302


def test_organisers_and_editors_logins_are_left_to_administrators(client, tree, people):
    in_branch = make_member(tree.a1a, name="周八", username="zhou")
    services.organiser_role_grant(user=in_branch.user, organisation=tree.a1a)
    elsewhere = make_member(tree.a1a, name="吴九", username="wu")
    services.organiser_role_grant(user=elsewhere.user, organisation=tree.b1)
    editor = make_member(tree.a1a, name="郑十", username="zheng")
    editor.user.groups.add(Group.objects.get_or_create(name="Editors")[0])
    client.force_login(people.county)

    # an organiser inside the county: nothing the county organiser cannot see
    assert client.post(password_url(in_branch), NEW, **EN).status_code == 302
    # an organiser of another county, an editor: refused
    for refused in (elsewhere, editor):
        response = client.post(password_url(refused), NEW, follow=True, **EN)
        assert "only a site administrator" in response.content.decode()
        assert not refused.user.has_usable_password() or not logs_in(
            type(client)(), refused.user.username, NEW["new_password1"]
        )


def test_an_organiser_does_not_reset_their_own_login_here(client, tree, people):
    own = make_member(tree.a1a, name="钱一", username="qian")
    services.organiser_role_grant(user=own.user, organisation=tree.a1)
    client.force_login(own.user)

    response = client.get(password_url(own), follow=True, **EN)

    assert "This is your own login" in response.content.decode()


def test_the_login_page_says_who_sets_a_forgotten_password(client, db):
    page = client.get("/accounts/login/", **EN).content.decode()

    assert "The organiser of your branch can set a new one for you." in page


@pytest.mark.parametrize(
    "typed",
    ["138 9999 0000", "138-9999-0000", "+86 138 9999 0000", "（138）99990000"],
)
def test_a_member_logs_in_with_the_phone_written_as_the_phone_shows_it(
    client, tree, people, typed
):
    # given a member whose login is named by the phone, with a password set
    member = services.member_create(
        name="孙七", phone="13899990000", home_organisation=tree.a1a
    )
    member.user.set_password("river-lantern-42")
    member.user.save()

    # then the phone, written with spaces, dashes or +86, logs in; a wrong
    # password still does not
    assert logs_in(client, typed, "river-lantern-42")
    assert not logs_in(client, typed, "river-lantern-43")
    assert not logs_in(client, "138 9999 0001", "river-lantern-42")


def test_a_login_named_like_a_written_phone_still_logs_in_as_itself(client, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("+8613899990000", password="river-42x")

    assert logs_in(client, "+8613899990000", "river-42x")
