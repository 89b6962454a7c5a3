"""Organiser screens in the Wagtail admin, role by role."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import (
    Member,
    MobilityRecord,
    Organisation,
    Pairing,
    Registration,
)
from members.viewsets.members import MemberAdminForm
from tests.factories import make_user
from tests.members.conftest import make_member

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

INDEXES = [
    "members_organisation:index",
    "members_member:index",
    "members_registration:index",
    "members_pairing:index",
    "members_contactrecord:index",
]


def page(client, user, url, **extra):
    client.force_login(user)
    return client.get(url, **EN, **extra)


def pair(client, organiser, helper: str, member):
    """``organiser`` posts the pairing form: ``helper`` as typed, ``member``."""
    client.force_login(organiser)
    return client.post(
        reverse("members_pairing:add"), {"helper": helper, "member": member.pk}, **EN
    )


@pytest.mark.parametrize("name", INDEXES)
@pytest.mark.parametrize("role", ["helper", "plain", "local_a1a"])
def test_non_organisers_cannot_open_the_organiser_screens(client, people, role, name):
    user = getattr(people, role)
    user = getattr(user, "user", user)  # members are Member rows
    response = page(client, user, reverse(name))
    # Wagtail sends users without admin access to its login page.
    assert response.status_code == 302


@pytest.mark.parametrize("name", INDEXES)
def test_anonymous_visitors_are_sent_to_log_in(client, people, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("province", ["张三", "李四", "王五", "赵六"], []),
        ("city", ["张三", "李四", "王五", "赵六"], []),
        ("county", ["张三", "王五"], ["李四", "赵六"]),
        ("branch", ["张三", "王五"], ["李四", "赵六"]),
        ("other_county", ["王五"], ["张三", "李四", "赵六"]),
        ("liaison", [], ["张三", "李四", "王五", "赵六"]),
    ],
)
def test_member_list_shows_exactly_the_organisers_scope(
    client, people, role, visible, hidden
):
    html = page(client, getattr(people, role), reverse("members_member:index"))
    assert html.status_code == 200
    text = html.content.decode()
    for name in visible:
        assert name in text
    for name in hidden:
        assert name not in text


def test_member_list_masks_phones_of_hosted_members(client, people):
    text = page(
        client, people.other_county, reverse("members_member:index")
    ).content.decode()
    assert "138****6666" in text and "13855556666" not in text
    assert "Hosted here" in text
    home = page(client, people.county, reverse("members_member:index")).content.decode()
    assert "13855556666" in home


def test_member_list_filters_by_organisation_and_mobility(client, tree, people):
    url = reverse("members_member:index")
    by_org = page(client, people.city, url + f"?organisation={tree.a2.pk}")
    assert "李四" in by_org.content.decode() and "张三" not in by_org.content.decode()
    by_status = page(client, people.city, url + "?mobility_status=outflow")
    text = by_status.content.decode()
    assert "赵六" in text and "李四" not in text


def test_member_list_lists_the_members_held_at_the_organisation_itself(
    client, tree, people
):
    # given a member held at the county itself, beside those of its branch
    make_member(tree.a1, name="县直成员")
    url = reverse("members_member:index") + f"?organisation={tree.a1.pk}"
    tree_page = page(client, people.county, reverse("members_organisation:index"))

    # when the county organiser follows the tree's "Members held here"
    here = page(client, people.county, url + "&held=here").content.decode()
    subtree = page(client, people.county, url).content.decode()

    # then only the county's own are listed; without it, the whole subtree
    assert "Members held here" in tree_page.content.decode()
    assert f"?organisation={tree.a1.pk}&amp;held=here" in tree_page.content.decode()
    assert "县直成员" in here and "张三" not in here and "王五" not in here
    assert all(name in subtree for name in ("县直成员", "张三", "王五"))


def test_the_held_here_words_say_zhishu_like_the_reports_row(client, tree, people):
    # The report's row and file name say 直属 (held directly); the tree's link and
    # the Held filter said 仅本组织 for the same members.
    client.force_login(people.county)
    url = reverse("members_member:index") + f"?organisation={tree.a1.pk}&held=here"
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

    tree_page = client.get(reverse("members_organisation:index"), **zh)
    member_list = client.get(url, **zh)

    assert "直属成员" in tree_page.content.decode()
    assert "本组织直属" in member_list.content.decode()
    assert "仅本组织" not in tree_page.content.decode() + member_list.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("held=here", "Choose the organisation whose own members to list."),
        ("held=nearby", "Select a valid choice."),
    ],
)
def test_a_held_filter_that_cannot_apply_says_so_and_lists_nobody(
    client, people, query, message
):
    url = reverse("members_member:index") + "?" + query

    text = page(client, people.county, url).content.decode()

    assert message in text
    assert "张三" not in text and "王五" not in text


def test_member_list_query_count_is_flat(
    client, tree, people, django_assert_max_num_queries
):
    for i in range(30):
        make_member(tree.a1a, name=f"成员{i}")
    client.force_login(people.county)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("members_member:index"), **EN)
    assert response.status_code == 200


def test_a_county_organiser_cannot_open_another_countys_member(client, people):
    for name in ("members_member:inspect", "members_member:edit"):
        url = reverse(name, args=[people.local_a2a.pk])
        assert page(client, people.county, url).status_code == 404
    moved = reverse("members_member:moved_out", args=[people.local_a2a.pk])
    assert page(client, people.county, moved).status_code == 404


def test_a_new_members_phone_that_is_already_a_login_is_a_form_error(
    client, tree, people
):
    # given a member added by phone (their login is named by it), whose phone has
    # changed since: the login keeps the old number
    client.force_login(people.county)
    form = {
        "name": "甲",
        "home_organisation": tree.a1a.pk,
        "whereabouts": "",
        "note": "",
    }
    add = reverse("members_member:add")
    assert client.post(add, {**form, "phone": "13900005555"}, **EN).status_code == 302
    first = Member.objects.get(name="甲")
    edit = reverse("members_member:edit", args=[first.pk])
    assert client.post(edit, {**form, "phone": "13900007777"}, **EN).status_code == 302

    # when a new member is added with the old number (a 500 once: the login's name)
    response = client.post(add, {**form, "name": "乙", "phone": "13900005555"}, **EN)

    # then the form says so and nothing is stored
    assert response.status_code == 200
    assert "Another member or account already uses this phone number." in (
        response.content.decode()
    )
    assert not Member.objects.filter(name="乙").exists()


def test_a_phone_taken_after_the_forms_check_is_a_form_error(
    client, tree, people, monkeypatch
):
    # given another organiser's member takes the phone between this form's
    # checks and its insert (the check is skipped here to stand for that gap)
    monkeypatch.setattr(
        MemberAdminForm, "clean_phone", lambda form: form.cleaned_data["phone"]
    )
    make_user("13900006666")
    client.force_login(people.county)
    form = {
        "name": "甲",
        "phone": "13900006666",
        "home_organisation": tree.a1a.pk,
        "whereabouts": "",
        "note": "",
    }

    # when the form is sent (a 500 once: form_invalid without Wagtail's message)
    response = client.post(reverse("members_member:add"), form, **EN)

    # then the login's unique name decided, and the form says so
    assert response.status_code == 200
    assert "Another member or account already uses this phone number." in (
        response.content.decode()
    )
    assert not Member.objects.filter(name="甲").exists()


def test_host_side_organisers_see_but_cannot_edit_a_hosted_member(client, people):
    inspect = reverse("members_member:inspect", args=[people.hosted.pk])
    response = page(client, people.other_county, inspect)
    assert response.status_code == 200
    assert "138****6666" in response.content.decode()
    edit = reverse("members_member:edit", args=[people.hosted.pk])
    assert page(client, people.other_county, edit).status_code == 404


def test_organiser_adds_a_member_to_their_subtree_only(client, tree, people):
    client.force_login(people.county)
    url = reverse("members_member:add")
    form = {
        "name": "新人",
        "phone": "139 0000 1111",
        "home_organisation": tree.a1a.pk,
        "whereabouts": "",
        "note": "",
    }
    assert client.post(url, form, **EN).status_code == 302
    member = Member.objects.get(name="新人")
    assert member.phone == "13900001111" and member.home_path == tree.a1a.path
    # outside the subtree: the choice is refused, nothing stored
    outside = client.post(
        url, {**form, "phone": "13900002222", "home_organisation": tree.b1.pk}, **EN
    )
    assert outside.status_code == 200
    assert not Member.objects.filter(phone="13900002222").exists()
    bad = client.post(url, {**form, "phone": "12345"}, **EN)
    assert "11-digit mobile number" in bad.content.decode()


def test_organiser_records_moving_out_and_returning(client, people):
    client.force_login(people.county)
    member = people.local_a1a
    url = reverse("members_member:moved_out", args=[member.pk])
    response = client.post(url, {"whereabouts": "深圳市南山区", "note": ""}, **EN)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.mobility_status == "outflow"
    again = client.post(url, {"whereabouts": "深圳", "note": ""}, **EN)
    assert again.status_code == 400
    assert "already recorded as moved away" in again.content.decode()
    back = reverse("members_member:returned", args=[member.pk])
    assert client.post(back, {"note": ""}, **EN).status_code == 302
    member.refresh_from_db()
    assert member.mobility_status == "local"
    kinds = list(member.mobility_records.values_list("kind", flat=True))
    assert kinds[:2] == ["returned", "moved_out"]
    inspect = client.get(reverse("members_member:inspect", args=[member.pk]), **EN)
    assert "Returned home" in inspect.content.decode()
    # registered nowhere: the host is "None" in words, as in every language
    zh = client.get(
        reverse("members_member:inspect", args=[member.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    host = zh[zh.index("流入地组织") :][:200]
    assert "None" not in host and "无" in host


def test_a_move_takes_a_date_from_the_picker_and_refuses_a_day_to_come(client, people):
    client.force_login(people.county)
    member = people.local_a1a
    url = reverse("members_member:moved_out", args=[member.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    form = client.get(url, **EN).content.decode()
    future = client.post(
        url, {"whereabouts": "深圳", "happened_on": tomorrow.isoformat()}, **EN
    )
    typo = client.post(url, {"whereabouts": "深圳", "happened_on": "0001-01-01"}, **EN)
    past = client.post(url, {"whereabouts": "深圳", "happened_on": "2026-11-02"}, **EN)

    # the admin's date picker, not a bare text box
    assert 'initDateChooser("id_happened_on"' in form
    assert future.status_code == 400
    assert "The date cannot be in the future." in future.content.decode()
    assert typo.status_code == 400
    assert "The date cannot be before Jan. 1, 1950." in typo.content.decode()
    assert past.status_code == 302
    record = member.mobility_records.get()
    assert record.kind == "moved_out" and record.happened_on == dt.date(2026, 11, 2)


def test_a_return_dated_before_the_move_out_is_refused_on_the_date(client, people):
    # given a member recorded as moved out on 2026-11-02
    client.force_login(people.county)
    member = people.local_a1a
    services.member_record_moved_out(
        member=member,
        whereabouts="深圳",
        recorded_by=people.county,
        happened_on=dt.date(2026, 11, 2),
    )
    back = reverse("members_member:returned", args=[member.pk])

    # when the organiser dates the return before that, then on the day itself
    early = client.post(back, {"happened_on": "2000-01-01"}, **EN)
    same_day = client.post(back, {"happened_on": "2026-11-02"}, **EN)
    # and, back home, a new move out dated before the return
    out = reverse("members_member:moved_out", args=[member.pk])
    earlier_out = client.post(
        out, {"whereabouts": "广州", "happened_on": "2026-11-01"}, **EN
    )

    # then the early return is a form error on the date, and nothing is stored
    assert early.status_code == 400
    text = html.unescape(early.content.decode())
    assert (
        "The member moved out on Nov. 2, 2026: they cannot have returned before."
        in text
    )
    assert 'id="id_happened_on"' in text[text.index("cannot have returned") - 3000 :]
    assert same_day.status_code == 302
    assert earlier_out.status_code == 400
    assert "cannot have moved out before" in earlier_out.content.decode()
    member.refresh_from_db()
    assert member.mobility_status == "local"
    assert list(member.mobility_records.values_list("kind", "happened_on")) == [
        ("returned", dt.date(2026, 11, 2)),
        ("moved_out", dt.date(2026, 11, 2)),
    ]


def test_host_organiser_confirms_a_request_and_home_sees_it(client, tree, people):
    # given a request from 李四 (home A2a) to the liaison station
    registration = services.registration_request(
        member=people.local_a2a, organisation=tree.liaison, message="上海"
    )
    url = reverse("members_registration:decide", args=[registration.pk])
    # the home side cannot decide, only the host side
    assert page(client, people.city, url).status_code == 404
    assert page(client, people.county, url).status_code == 404
    # when the liaison organiser confirms
    client.force_login(people.liaison)
    listing = client.get(reverse("members_registration:index"), **EN).content.decode()
    assert "李四" in listing and "Confirm or decline" in listing
    response = client.post(url, {"decision": "confirm", "reason": ""}, **EN)
    assert response.status_code == 302
    # then the member is hosted, flagged, and the home organisers see it
    member = Member.objects.get(pk=people.local_a2a.pk)
    assert member.host_organisation == tree.liaison
    assert member.mobility_status == "inflow"
    host_list = page(client, people.liaison, reverse("members_member:index"))
    assert "李四" in host_list.content.decode()
    home_view = page(client, people.city, reverse("members_registration:index"))
    assert "Confirmed" in home_view.content.decode()
    assert MobilityRecord.objects.filter(
        member=member, kind="registered", recorded_by=people.liaison
    ).exists()


def test_declining_needs_a_reason_and_the_member_sees_it(client, tree, people):
    registration = services.registration_request(
        member=people.local_a2a, organisation=tree.liaison
    )
    url = reverse("members_registration:decide", args=[registration.pk])
    client.force_login(people.liaison)
    empty = client.post(url, {"decision": "decline", "reason": ""}, **EN)
    too_long = client.post(url, {"decision": "decline", "reason": "x" * 1001}, **EN)
    assert empty.status_code == 400
    assert "Give the member a reason for declining." in empty.content.decode()
    # a reason too long is that, not missing as well
    assert too_long.status_code == 400
    assert "at most 1000 characters" in too_long.content.decode()
    assert "Give the member a reason" not in too_long.content.decode()
    registration.refresh_from_db()
    assert registration.status == "requested"
    client.post(url, {"decision": "decline", "reason": "不在本站服务范围"}, **EN)
    registration.refresh_from_db()
    assert registration.status == "declined"
    client.force_login(people.local_a2a.user)
    mine = client.get(reverse("members:my-organisations"), **EN).content.decode()
    assert "不在本站服务范围" in mine


def test_a_declined_request_takes_back_only_the_move_it_recorded(client, tree, people):
    # given requests to the liaison station from 李四 (local until asking) and
    # 赵六 (recorded by the home side as moved away before asking)
    asked = [
        services.registration_request(member=member, organisation=tree.liaison)
        for member in (people.local_a2a, people.outflow)
    ]
    outflow = reverse("members_member:index") + "?mobility_status=outflow"
    listed = page(client, people.city, outflow).content.decode()
    assert "李四" in listed and "赵六" in listed

    # when the liaison organiser declines both
    client.force_login(people.liaison)
    for registration in asked:
        url = reverse("members_registration:decide", args=[registration.pk])
        declined = client.post(url, {"decision": "decline", "reason": "不在本站"})
        assert declined.status_code == 302

    # then 李四 is local again and off city A's outflow list; 赵六 is still on it
    listed = page(client, people.city, outflow).content.decode()
    assert "李四" not in listed and "赵六" in listed
    assert Member.objects.get(pk=people.local_a2a.pk).mobility_status == "local"


def test_deciding_twice_is_refused_with_a_message(client, tree, people):
    registration = services.registration_request(
        member=people.local_a2a, organisation=tree.liaison
    )
    url = reverse("members_registration:decide", args=[registration.pk])
    client.force_login(people.liaison)
    client.post(url, {"decision": "confirm", "reason": ""}, **EN)
    again = client.post(url, {"decision": "decline", "reason": "x"}, **EN)
    assert again.status_code == 400
    assert "no longer requested" in again.content.decode()


def test_a_decided_request_shows_the_decision_and_no_form(client, tree, people):
    # given a request the liaison organiser declined
    registration = services.registration_request(
        member=people.local_a2a, organisation=tree.liaison
    )
    url = reverse("members_registration:decide", args=[registration.pk])
    client.force_login(people.liaison)
    client.post(url, {"decision": "decline", "reason": "不在本站服务范围"}, **EN)

    # when it is opened again (a stale link, or a second organiser)
    shown = client.get(url, **EN)
    text = shown.content.decode()

    # then the page says what was decided, by whom and why, and offers no form
    assert shown.status_code == 200
    assert "Declined" in text and "不在本站服务范围" in text
    assert "Decided by" in text and "Decided on" in text
    assert "cannot be confirmed or declined" in text
    assert 'name="decision"' not in text and "Save decision" not in text


def test_a_stale_end_link_shows_the_registration_and_no_form(client, tree, people):
    # given a request still waiting for the host's decision
    registration = services.registration_request(
        member=people.local_a2a, organisation=tree.liaison
    )
    url = reverse("members_registration:end", args=[registration.pk])
    client.force_login(people.liaison)

    # when an organiser opens its "End" page (only a confirmed one can end)
    shown = client.get(url, **EN)
    text = shown.content.decode()

    # then they are told, with no form to fill in for nothing
    assert shown.status_code == 200
    assert "Only a confirmed registration can be ended" in text
    assert 'name="reason"' not in text and "End registration" not in text


def test_an_ended_registration_shows_when_it_ended_beside_both_reasons(
    client, tree, people
):
    # given a registration confirmed with a reason, then ended with another
    member = people.local_a2a
    registration = services.registration_request(member=member, organisation=tree.b1)
    services.registration_confirm(
        registration=registration, decided_by=people.other_county, reason="在厂里上班"
    )
    client.force_login(people.city)
    client.post(
        reverse("members_registration:end", args=[registration.pk]),
        {"reason": "已离开"},
        **EN,
    )

    # when an organiser opens it again, and the member's record
    ended = page(
        client,
        people.city,
        reverse("members_registration:end", args=[registration.pk]),
    ).content.decode()
    inspect = page(
        client, people.city, reverse("members_member:inspect", args=[member.pk])
    ).content.decode()

    # then the end did not write over the host's reason: both are shown
    assert "Ended on" in ended
    for text in (ended, inspect):
        assert "Reason for ending" in text
        assert "在厂里上班" in text and "已离开" in text


def test_home_organiser_ends_a_registration(client, tree, people):
    registration = Registration.objects.get(member=people.hosted, status="confirmed")
    url = reverse("members_registration:end", args=[registration.pk])
    # the other city's unrelated liaison station cannot
    assert page(client, people.liaison, url).status_code == 404
    client.force_login(people.county)
    assert client.post(url, {"reason": "已离开"}, **EN).status_code == 302
    member = Member.objects.get(pk=people.hosted.pk)
    assert member.host_organisation is None and member.mobility_status == "outflow"
    assert (
        "王五"
        not in page(
            client, people.other_county, reverse("members_member:index")
        ).content.decode()
    )


def test_organisation_tree_is_scoped_and_indented(client, tree, people):
    text = page(
        client, people.county, reverse("members_organisation:index")
    ).content.decode()
    assert "甲一县" in text and "甲一支部" in text
    assert "乙一县" not in text and "甲二县" not in text
    other = reverse("members_organisation:inspect", args=[tree.b1.pk])
    assert page(client, people.county, other).status_code == 404


def test_an_organisations_details_say_where_it_sits_in_the_organisers_language(
    client, tree, people
):
    # they showed the tree's internal "Depth" (untranslated) instead
    url = reverse("members_organisation:inspect", args=[tree.a1a.pk])
    client.force_login(people.county)

    text = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "上级组织" in text and "省委 › 甲市 › 甲一县" in text
    assert "Depth" not in text


def test_organiser_adds_a_child_organisation_inside_their_subtree(client, tree, people):
    client.force_login(people.county)
    url = reverse("members_organisation:add")
    form = {"parent": tree.a1.pk, "name": "新支部", "kind": "branch", "code": "a1b"}
    assert client.post(url, form, **EN).status_code == 302
    added = Organisation.objects.get(code="A1B")
    assert added.get_parent().pk == tree.a1.pk
    outside = client.post(url, {**form, "parent": tree.b1.pk, "code": "X"}, **EN)
    assert outside.status_code == 400
    duplicate = client.post(url, {**form, "code": "a1b"}, **EN)
    assert "already has this code" in duplicate.content.decode()


def test_a_code_longer_than_its_column_in_capitals_is_a_form_error(
    client, tree, people
):
    # "ß" is "SS" in capitals: 32 typed, 64 stored (PostgreSQL refused it: a 500)
    client.force_login(people.county)
    form = {"parent": tree.a1.pk, "name": "新支部", "kind": "branch", "code": "ß" * 32}

    response = client.post(reverse("members_organisation:add"), form, **EN)

    assert response.status_code == 400
    assert "In capitals the code is longer than 32 characters." in (
        response.content.decode()
    )
    assert not Organisation.objects.filter(name="新支部").exists()


@pytest.mark.parametrize("code", ["A1/09", ".", ".."])
def test_a_code_the_poster_address_cannot_carry_is_a_form_error(
    client, tree, people, code
):
    # given a county organiser adding a branch whose code has a slash (or is a
    # path segment a browser resolves away): its poster address
    # /register/<code>/ could never open, and listing it among a member's
    # search results failed with a 500
    client.force_login(people.county)
    form = {"parent": tree.a1.pk, "name": "新支部", "kind": "branch", "code": code}

    # when the form is sent
    response = client.post(reverse("members_organisation:add"), form, **EN)

    # then it is refused with the reason, and nothing is added
    assert response.status_code == 400
    assert (
        "A code cannot hold “/” nor be “.” or “..”: it is part of the address "
        "printed on the registration poster."
    ) in html.unescape(response.content.decode())
    assert not Organisation.objects.filter(name="新支部").exists()
    # and members searching for organisations still get their page
    client.force_login(people.local_a1a.user)
    assert client.get("/register/?q=A1", **EN).status_code == 200


def test_a_code_taken_while_the_form_was_checked_is_refused_by_the_service(tree):
    # the form's check and the insert are apart: a second organiser's insert can
    # come between them; the unique constraint decides
    services.organisation_create(name="甲", kind="branch", code="race", parent=tree.a1)

    with pytest.raises(services.MemberStateError) as refused:
        services.organisation_create(
            name="乙", kind="branch", code="RACE", parent=tree.a1
        )

    assert refused.value.code == "duplicate"
    assert list(Organisation.objects.filter(code="RACE").values_list("name")) == [
        ("甲",)
    ]


def test_the_tree_stops_at_the_depth_its_paths_can_hold(tree):
    # treebeard spends 4 of 255 path characters a level: the 64th level overflowed
    # (PathOverflow on add, a varchar(255) DataError on move: 500s)
    chain = [services.organisation_create(name="省", kind="province", code="d1")]
    for level in range(2, services.MAX_DEPTH + 1):
        chain.append(
            services.organisation_create(
                name=f"第{level}级", kind="branch", code=f"d{level}", parent=chain[-1]
            )
        )
    assert chain[-1].depth == services.MAX_DEPTH == 63

    with pytest.raises(services.MemberStateError) as added:
        services.organisation_create(
            name="太深", kind="branch", code="deep", parent=chain[-1]
        )
    small = services.organisation_create(name="小", kind="branch", code="s1")
    services.organisation_create(name="小下", kind="branch", code="s2", parent=small)
    with pytest.raises(services.MemberStateError) as moved:
        services.organisation_move(organisation=small, new_parent=chain[-2])

    assert added.value.code == moved.value.code == "too_deep"
    assert not Organisation.objects.filter(code="DEEP").exists()
    small.refresh_from_db()
    assert small.depth == 1


def test_moving_an_organisation_in_the_admin(client, tree, people):
    client.force_login(people.province)
    url = reverse("members_organisation:move", args=[tree.a1.pk])
    assert client.post(url, {"parent": tree.b.pk}, **EN).status_code == 302
    assert Organisation.objects.get(pk=tree.a1.pk).get_parent().pk == tree.b.pk
    # a county organiser cannot move their own county
    client.force_login(people.county)
    own = client.post(url, {"parent": tree.a1a.pk}, **EN)
    assert own.status_code == 302
    assert Organisation.objects.get(pk=tree.a1.pk).get_parent().pk == tree.b.pk
    # and the tree offers to move what lies under it, not the county itself
    listing = client.get(reverse("members_organisation:index"), **EN).content.decode()
    move_links = re.findall(r'href="/admin/members/organisations/move/(\d+)/"', listing)
    assert f"?organisation={tree.a1.pk}" in listing  # the county is listed
    assert str(tree.a1.pk) not in move_links
    assert str(tree.a1a.pk) in move_links


def test_moving_the_root_of_ones_own_role_says_why_it_cannot(client, tree, people):
    # given the county organiser opens "move" for their own county (a typed or
    # stale link: the tree does not offer it)
    client.force_login(people.county)
    url = reverse("members_organisation:move", args=[tree.a1.pk])

    # when they open it, and when they post a parent anyway
    opened = client.get(url, follow=True, **EN)
    posted = client.post(url, {"parent": tree.a1a.pk}, follow=True, **EN)

    # then each time they are back on the tree with the reason, not an empty
    # form refusing every choice, and nothing moved
    for response in (opened, posted):
        assert response.redirect_chain == [(reverse("members_organisation:index"), 302)]
        page = html.unescape(response.content.decode())
        assert "You cannot move the organisation your role is attached to." in page
        assert "not one of the available choices" not in page
    assert Organisation.objects.get(pk=tree.a1.pk).get_parent().pk == tree.a.pk


def test_pairing_and_contact_log_are_scoped(client, tree, people):
    helper = make_user("helper2")
    client.force_login(people.county)
    add = reverse("members_pairing:add")
    # a member outside the subtree is not a valid choice
    bad = client.post(add, {"helper": "helper2", "member": people.local_a2a.pk}, **EN)
    assert bad.status_code == 400
    unknown = client.post(add, {"helper": "nobody", "member": people.hosted.pk}, **EN)
    assert "no active user has this login name" in unknown.content.decode()
    ok = client.post(add, {"helper": "helper2", "member": people.hosted.pk}, **EN)
    assert ok.status_code == 302
    pairing = helper.pairings.get()
    contact = reverse("members_contactrecord:add")
    response = client.post(
        contact, {"pairing": pairing.pk, "kind": "visit", "note": "送学上门"}, **EN
    )
    assert response.status_code == 302
    log = client.get(reverse("members_contactrecord:index"), **EN).content.decode()
    assert "送学上门" in log
    # another county sees neither
    other = page(client, people.liaison, reverse("members_pairing:index"))
    assert "王五" not in other.content.decode()
    assert (
        "送学上门"
        not in page(
            client, people.liaison, reverse("members_contactrecord:index")
        ).content.decode()
    )
    unpair = reverse("members_pairing:unpair", args=[pairing.pk])
    assert page(client, people.liaison, unpair).status_code == 404
    # the county's own list offers the unpair link
    listing = page(client, people.county, reverse("members_pairing:index"))
    assert f'href="{unpair}"' in listing.content.decode()
    client.force_login(people.county)
    assert client.post(unpair, {}, **EN).status_code == 302
    assert not helper.pairings.exists()


def test_member_search_by_name_or_phone(client, people):
    url = reverse("members_member:index")
    by_name = page(client, people.city, url + "?q=李").content.decode()
    assert "李四" in by_name and "张三" not in by_name
    by_phone = page(client, people.city, url + "?q=7777").content.decode()
    assert "赵六" in by_phone and "李四" not in by_phone


def test_registration_and_pairing_lists_have_flat_query_counts(
    client, tree, people, django_assert_max_num_queries
):
    helper = make_user("helper3")
    for i in range(20):
        member = make_member(tree.a2a, name=f"流动{i}")
        registration = services.registration_request(
            member=member, organisation=tree.liaison
        )
        if i % 2:
            services.registration_confirm(
                registration=registration, decided_by=people.liaison
            )
        services.pairing_create(helper=helper, member=member, created_by=people.city)
    client.force_login(people.city)
    for name in ("members_registration:index", "members_pairing:index"):
        with django_assert_max_num_queries(25):
            response = client.get(reverse(name), **EN)
        assert response.status_code == 200
        assert "流动19" in response.content.decode()


def test_organisation_tree_shows_home_and_hosted_counts(
    client, tree, people, django_assert_max_num_queries
):
    import re

    client.force_login(people.province)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("members_organisation:index"), **EN)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert "Members, whole subtree" in text
    # Home, hosted, then the whole subtree as the reports count it (once: at the
    # host where registered, else at home). 甲一支部 holds 张三 and 王五, but
    # 王五 is registered in 乙一县 and counted there; 甲二支部 holds 李四 and the
    # outflow 赵六, both counted at home.
    assert re.search(r"省委 .*?Province P 0 0 4 ", text)
    assert re.search(r"甲市 .*?City A 0 0 3 ", text)
    assert re.search(r"甲一支部 .*?Branch A1A 2 0 1 ", text)
    assert re.search(r"甲二县 .*?County or district A2 0 0 2 ", text)
    assert re.search(r"乙一县 .*?County or district B1 0 1 1 ", text)


def test_organisation_tree_query_count_does_not_grow_with_the_tree(
    client, tree, people
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("members_organisation:index")).status_code == 200
        return len(captured)

    client.force_login(people.province)
    before = queries()
    for i in range(15):
        branch = services.organisation_create(
            name=f"支部{i}", kind="branch", code=f"n{i}", parent=tree.b1
        )
        make_member(branch, name=f"成员{i}")
    assert queries() == before


def test_home_organiser_edits_a_member_within_their_subtree(client, tree, people):
    # given a new branch under county A1
    new_branch = services.organisation_create(
        name="甲一新支部", kind="branch", code="A1C", parent=tree.a1
    )
    client.force_login(people.county)
    url = reverse("members_member:edit", args=[people.local_a1a.pk])
    form = {
        "name": "张三丰",
        "phone": "13811112222",
        "home_organisation": new_branch.pk,
        "whereabouts": "",
        "note": "调入新支部",
    }
    # when the county organiser moves the member to it
    assert client.post(url, form, **EN).status_code == 302
    # then the member and their copied path follow
    member = Member.objects.get(pk=people.local_a1a.pk)
    assert member.name == "张三丰" and member.home_path == new_branch.path
    # a home organisation outside the subtree is refused and nothing changes
    outside = client.post(url, {**form, "home_organisation": tree.b1.pk}, **EN)
    assert outside.status_code == 200
    assert Member.objects.get(pk=member.pk).home_organisation_id == new_branch.pk
    # another member's phone is refused
    clash = client.post(url, {**form, "phone": "13833334444"}, **EN)
    assert "phone" in clash.content.decode().lower()
    assert Member.objects.get(pk=member.pk).phone == "13811112222"
    # a note past the limit every other note has is a form error, nothing changes
    long_note = client.post(url, {**form, "note": "记" * 2001}, **EN)
    assert long_note.status_code == 200
    assert "at most 2000 characters" in long_note.content.decode()
    assert Member.objects.get(pk=member.pk).note == "调入新支部"


@pytest.mark.parametrize("new_home", ["host", "below the host"])
def test_moving_a_home_into_the_members_host_is_a_form_error(
    client, tree, people, new_home
):
    # given 王五 (home A1a) registered with county B1, which has a branch B1a
    b1a = services.organisation_create(
        name="乙一支部", kind="branch", code="B1A", parent=tree.b1
    )
    member = people.hosted
    home = {"host": tree.b1, "below the host": b1a}[new_home]
    client.force_login(people.province)
    url = reverse("members_member:edit", args=[member.pk])
    form = {
        "name": "王五改",
        "phone": member.phone,
        "home_organisation": home.pk,
        "whereabouts": "",
        "note": "",
    }

    # when the province organiser makes that organisation his home
    response = client.post(url, form, **EN)

    # then the form says why on the home organisation, and nothing changes
    assert response.status_code == 200
    text = response.content.decode()
    assert "The member could not be saved due to errors." in text
    reason = (
        "The host organisation is the home organisation."
        if home == tree.b1
        else "The host organisation 乙一县 contains the home organisation 乙一支部"
    )
    assert reason in text
    [error] = response.context["form"].errors["home_organisation"]
    assert error.startswith(reason)
    stored = Member.objects.get(pk=member.pk)
    assert (stored.name, stored.home_organisation, stored.home_path) == (
        "王五",
        tree.a1a,
        tree.a1a.path,
    )
    assert stored.host_organisation == tree.b1


def test_a_home_above_the_members_host_is_allowed(client, tree, people):
    # the host B1 is then a descendant of the home: a move within city B
    client.force_login(people.province)
    url = reverse("members_member:edit", args=[people.hosted.pk])
    form = {
        "name": "王五",
        "phone": people.hosted.phone,
        "home_organisation": tree.b.pk,
        "whereabouts": "",
        "note": "",
    }

    assert client.post(url, form, **EN).status_code == 302

    stored = Member.objects.get(pk=people.hosted.pk)
    assert (stored.home_path, stored.host_path) == (tree.b.path, tree.b1.path)
    assert stored.mobility_status == "inflow"


def test_a_member_cannot_be_created_hosted_by_their_home_or_above_it(tree):
    for host in (tree.a1a, tree.a1, tree.p):
        with pytest.raises(services.MemberStateError) as refused:
            services.member_create(
                name="甲",
                phone="13900000051",
                home_organisation=tree.a1a,
                host_organisation=host,
            )
        assert refused.value.code == services.HOST_REFUSED
    assert not Member.objects.filter(phone="13900000051").exists()
    # a branch below the home can host
    county_member = services.member_create(
        name="乙",
        phone="13900000052",
        home_organisation=tree.a1,
        host_organisation=tree.a1a,
    )
    assert county_member.mobility_status == "inflow"


def test_an_organisation_does_not_move_under_the_host_of_its_members(
    client, tree, people
):
    # given 王五, whose home is branch A1a in county A1, hosted by county B1
    client.force_login(people.province)
    url = reverse("members_organisation:move", args=[tree.a1.pk])

    # when the province organiser moves county A1 under B1
    response = client.post(url, {"parent": tree.b1.pk}, **EN)

    # then the form says who and what to do, and nothing moved
    assert response.status_code == 400
    assert (
        "甲一县 cannot move there: 1 member whose home organisation is in it (王五) "
        "is hosted by 乙一县, which would then contain their home organisation. End "
        "their registration there first, or move 甲一县 elsewhere."
    ) in html.unescape(response.content.decode())
    assert Organisation.objects.get(pk=tree.a1.pk).get_parent().pk == tree.a.pk
    assert Member.objects.get(pk=people.hosted.pk).home_path == tree.a1a.path

    # and under B1's city, which does not host anyone, it moves
    assert client.post(url, {"parent": tree.b.pk}, **EN).status_code == 302


def test_confirming_a_request_whose_home_moved_under_the_host_is_refused(
    client, tree, people
):
    # given 李四 (home A2a) asks county B1 to host him, and the home side then
    # moves his home to a branch under B1
    b1a = services.organisation_create(
        name="乙一支部", kind="branch", code="B1A", parent=tree.b1
    )
    registration = services.registration_request(
        member=people.local_a2a, organisation=tree.b1
    )
    services.member_update(
        member=people.local_a2a,
        name="李四",
        phone=people.local_a2a.phone,
        whereabouts="",
        note="",
        home_organisation=b1a,
    )

    # when B1's organiser confirms
    client.force_login(people.other_county)
    url = reverse("members_registration:decide", args=[registration.pk])
    response = client.post(url, {"decision": "confirm", "reason": ""}, **EN)

    # then the form says why, and the request stays open for a decline
    assert response.status_code == 400
    assert "contains the home organisation 乙一支部" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "requested"
    member = Member.objects.get(pk=people.local_a2a.pk)
    assert member.host_organisation is None and member.mobility_status == "outflow"


def test_organisers_get_the_members_menu_in_the_admin(client, people):
    response = page(client, people.branch, "/admin/")
    assert response.status_code == 200
    text = response.content.decode()
    for label in ("Organisation tree", "Registration requests", "Pairings"):
        assert label in text


def test_member_search_matches_phone_digits_only_where_the_phone_is_shown_in_full(
    client, people
):
    url = reverse("members_member:index")
    # 王五 (13855556666) is hosted by B1: B1's organiser sees 138****6666
    hosted = page(client, people.other_county, url + "?q=5555").content.decode()
    assert "王五" not in hosted
    by_name = page(client, people.other_county, url + "?q=王五").content.decode()
    assert "王五" in by_name and "138****6666" in by_name
    # the home side sees the phone in full, so finds it by its digits
    home = page(client, people.county, url + "?q=5555").content.decode()
    assert "王五" in home and "13855556666" in home


def imported_member(tree, *, name, phone, home):
    """A member added without a login: services.member_create names the login
    it makes by the phone."""
    member = services.member_create(name=name, phone=phone, home_organisation=home)
    assert member.user.username == phone
    return member


def test_history_shows_who_recorded_a_step_by_name_not_by_their_login(
    client, tree, people
):
    # given a member imported in A2a (login named by phone) who asks to register
    # with A1a, where county A1 confirms: A1 is the host side and sees the phone
    # masked
    member = imported_member(tree, name="吴丽", phone="13912340012", home=tree.a2a)
    registration = services.registration_request(member=member, organisation=tree.a1a)
    services.registration_confirm(registration=registration, decided_by=people.county)
    # when the county organiser opens the member
    response = page(
        client, people.county, reverse("members_member:inspect", args=[member.pk])
    )
    # then the phone is masked everywhere, and the member's own step is theirs
    text = response.content.decode()
    assert response.status_code == 200
    assert "13912340012" not in text
    assert "139****0012" in text
    history = text[text.index('id="mobility-history"') :]
    assert "Asked to register" in history and "吴丽" in history


def test_pairings_and_contact_log_show_a_helper_by_name_not_by_their_login(
    client, tree, people
):
    # given a helper who is an imported member of A2a, outside county A1, paired
    # with 张三 of A1a, with a contact logged; and a helper login named by a phone
    # with no name at all
    helper = imported_member(tree, name="钱明", phone="13912340014", home=tree.a2a)
    pairing = services.pairing_create(
        helper=helper.user, member=people.local_a1a, created_by=people.county
    )
    services.contact_record_add(pairing=pairing, kind="visit", note="送学上门")
    nameless = make_user("13912340099")
    services.pairing_create(helper=nameless, member=people.hosted)
    # when county A1's organiser opens the screens that show helpers
    screens = [
        reverse("members_pairing:index"),
        reverse("members_contactrecord:index"),
        reverse("members_contactrecord:add"),
        reverse("members_pairing:unpair", args=[pairing.pk]),
    ]
    for url in screens:
        response = page(client, people.county, url)
        text = response.content.decode()
        # then the helper is shown by name and no helper's phone appears
        assert response.status_code == 200, url
        assert "钱明" in text, url
        assert "13912340014" not in text, url
        assert "13912340099" not in text, url
    listing = page(client, people.county, reverse("members_pairing:index"))
    assert "139****0099" in listing.content.decode()


def test_pairing_a_helper_with_a_member_twice_is_a_form_error(client, people):
    # given the helper already paired with 张三 (conftest)
    # when the county organiser pairs them again
    response = pair(client, people.county, "helper", people.local_a1a)
    # then the form says so, and there is still one pairing
    assert response.status_code == 400
    assert "This helper is already paired with this member." in (
        response.content.decode()
    )
    assert people.helper.pairings.filter(member=people.local_a1a).count() == 1


def test_registration_list_headings_are_translated(client, people):
    client.force_login(people.other_county)
    response = client.get(
        reverse("members_registration:index"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    text = response.content.decode()
    table = text[text.index('<table class="listing') :]
    headings = table[: table.index("</thead>")]
    assert "成员" in headings
    assert "Member" not in headings


@pytest.mark.parametrize("name", INDEXES)
@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_generic_spreadsheet_export_is_off_the_list_is_shown_instead(
    client, people, name, export
):
    # Wagtail's ?export= made a file of blank lines; the members screens export
    # through their own roster and ledger files.
    response = page(client, people.county, reverse(name) + f"?export={export}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response


def test_member_list_with_export_parameter_still_shows_only_the_scope(client, people):
    text = page(
        client, people.county, reverse("members_member:index") + "?export=csv"
    ).content.decode()
    assert "张三" in text and "王五" in text and "李四" not in text


def test_an_organiser_pairs_a_helper_found_by_their_mobile_number(client, people):
    # given 李四's phone is seen in full by the city organiser (home side)
    # when the city organiser names the helper by that phone, typed with spaces
    response = pair(client, people.city, "138 3333 4444", people.local_a1a)

    # then 李四's account helps 张三
    assert response.status_code == 302
    assert people.local_a2a.user.pairings.get().member == people.local_a1a


def test_a_masked_phone_does_not_find_a_helper(client, people):
    # given 王五, hosted in B1, whose phone B1's organiser sees masked

    response = pair(client, people.other_county, "13855556666", people.hosted)

    # then the phone finds nobody: matching it would reveal the masked digits
    assert response.status_code == 400
    assert "No member in your area has this mobile number" in response.content.decode()


def test_a_phone_typed_as_a_login_name_does_not_find_a_helper_whose_phone_is_masked(
    client, tree, people
):
    # given 吴丽, imported in A1a (her login is named by her phone) and hosted in
    # B1: B1's organiser sees 139****0012
    member = imported_member(tree, name="吴丽", phone="13912340012", home=tree.a1a)
    registration = services.registration_request(member=member, organisation=tree.b1)
    services.registration_confirm(
        registration=registration, decided_by=people.other_county
    )
    # when B1's organiser types the guessed full phone as the helper of 王五
    response = pair(client, people.other_county, "13912340012", people.hosted)
    # then nobody is found: a pairing would confirm the digits the mask hides
    assert response.status_code == 400
    assert "No member in your area has this mobile number" in (
        response.content.decode()
    )
    assert not Pairing.objects.filter(helper=member.user).exists()


def test_a_phone_outside_the_area_does_not_find_a_helper(client, tree, people):
    # given 钱明, imported in A2a, outside county A1 (login named by his phone)
    member = imported_member(tree, name="钱明", phone="13912340014", home=tree.a2a)
    # when county A1's organiser types that phone as 张三's helper
    response = pair(client, people.county, "139 1234 0014", people.local_a1a)
    refused = pair(client, people.county, "13912340014", people.local_a1a)
    # then nobody is found: pairing him would tell the organiser that the phone
    # belongs to a member elsewhere, and show them his name in the pairings list
    for answer in (response, refused):
        assert answer.status_code == 400
        assert "No member in your area has this mobile number" in (
            answer.content.decode()
        )
    assert not Pairing.objects.filter(helper=member.user).exists()


def test_a_member_cannot_be_paired_as_their_own_helper(client, people):

    response = pair(client, people.county, "zhang", people.local_a1a)

    assert response.status_code == 400
    assert "A member cannot be their own helper." in response.content.decode()
    assert not Pairing.objects.filter(member=people.local_a1a, helper__username="zhang")


def test_an_organiser_of_another_area_cannot_be_made_a_helper(client, people):
    # given the branch organiser (A1a, inside county A1) and the province organiser
    inside = pair(client, people.county, "branch", people.hosted)
    outside = pair(client, people.county, "province", people.hosted)

    # then the branch organiser may help; the province organiser is refused, so
    # a county cannot change what the province organiser's lists hold
    assert inside.status_code == 302
    assert outside.status_code == 400
    assert "organises outside your area" in outside.content.decode()
    assert not people.province.pairings.exists()


def test_a_helper_is_paired_from_the_members_row(client, people):
    # given the county organiser on the members list
    listing = page(client, people.county, reverse("members_member:index"))
    add = reverse("members_pairing:add") + f"?member={people.local_a1a.pk}"
    assert f'href="{add}"' in listing.content.decode()

    # when they follow 张三's "Pair a helper" and name the helper
    form = page(client, people.county, add)
    response = client.post(
        add, {"helper": "helper2_login", "member": people.local_a1a.pk}, **EN
    )

    # then the form names 张三 and lists nobody else
    assert form.status_code == 200
    text = form.content.decode()
    assert "张三" in text and "王五" not in text
    assert response.status_code == 400  # no such login: a form error, shown again
    assert "张三" in response.content.decode()


def test_a_member_outside_the_area_cannot_be_fixed_in_the_form(client, people):
    add = reverse("members_pairing:add")
    for member_id in (people.local_a2a.pk, "abc", str(2**63)):
        response = page(client, people.county, f"{add}?member={member_id}")
        assert response.status_code == 404


def test_a_large_area_lists_no_members_in_the_pairing_form(client, people, monkeypatch):
    from members.forms import PairingForm

    monkeypatch.setattr(PairingForm, "MEMBERS_LISTED_AT_MOST", 1)
    add = reverse("members_pairing:add")

    form = page(client, people.county, add).content.decode()
    refused = client.post(add, {"helper": "branch"}, **EN)

    assert '<select name="member"' not in form
    assert 'type="hidden" name="member"' in form
    assert "王五" not in form and "张三" not in form
    assert refused.status_code == 400
    assert "Pair a helper" in refused.content.decode()


@pytest.mark.parametrize("organisation", ["other_county", "abc", str(2**63)])
def test_an_organisation_filter_outside_the_area_says_so_and_lists_nobody(
    client, tree, people, organisation
):
    value = tree.b1.pk if organisation == "other_county" else organisation
    url = reverse("members_member:index")
    response = page(client, people.county, f"{url}?organisation={value}")

    text = response.content.decode()
    assert response.status_code == 200
    assert "That organisation is not in your area." in text
    assert "张三" not in text and "王五" not in text


def test_a_helper_who_organises_elsewhere_manages_only_their_own_pairing_there(
    client, tree, people
):
    # given the helper of 张三 (A1a, conftest), who later became county B1's
    # organiser, and 李四 helping 张三 too, with a note of his visit
    services.organiser_role_grant(user=people.helper, organisation=tree.b1)
    other = services.pairing_create(
        helper=people.local_a2a.user, member=people.local_a1a, created_by=people.county
    )
    services.contact_record_add(pairing=other, kind="visit", note="李四送学上门")
    own = people.helper.pairings.get(member=people.local_a1a)

    # when they open the pairings and the contact log, and try to unpair 李四
    pairings = page(client, people.helper, reverse("members_pairing:index"))
    contacts = page(client, people.helper, reverse("members_contactrecord:index"))
    unpair = reverse("members_pairing:unpair", args=[other.pk])
    opened = client.get(unpair, **EN)
    posted = client.post(unpair, **EN)

    # then 张三 is theirs to help, not to manage: they see their own pairing,
    # not 李四's nor his note, and cannot end it
    assert pairings.status_code == 200 and contacts.status_code == 200
    assert "李四" not in pairings.content.decode()
    assert "李四送学上门" not in contacts.content.decode()
    assert opened.status_code == 404 and posted.status_code == 404
    assert Pairing.objects.filter(pk=other.pk).exists()
    # nor pair anyone else with 张三, and the members list does not offer it
    listing = page(client, people.helper, reverse("members_member:index"))
    assert "张三" in listing.content.decode()
    assert f"?member={people.local_a1a.pk}" not in listing.content.decode()
    paired = pair(client, people.helper, "plain", people.local_a1a)
    from_row = client.get(
        reverse("members_pairing:add") + f"?member={people.local_a1a.pk}", **EN
    )
    assert paired.status_code == 400 and from_row.status_code == 404
    assert not people.plain.pairings.exists()
    # their own pairing is still theirs to end
    assert (
        page(
            client, people.helper, reverse("members_pairing:unpair", args=[own.pk])
        ).status_code
        == 200
    )
