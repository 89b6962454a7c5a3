import csv
import io
import re

import pytest
from django.urls import reverse

from courses.reporting.rollups import rollups_rebuild
from members import services
from members.models import Member, MobilityRecord, Registration
from tests.factories import make_course, make_home, make_lesson, make_user
from tests.members.conftest import make_member

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MOBILITY = re.compile(r'<dd id="mobility">([^<]*)</dd>')
LEDGER_NAMES = re.compile(r'name="members" value="\d+" aria-label="([^"]+)"')


@pytest.fixture
def course(tree):
    """A course to report on: the reports show the headcount per mobility bucket."""
    course = make_course(make_home())
    lesson = make_lesson(course, body=[("text", "<p>读</p>")])
    lesson.save_revision().publish()
    return course


def mobility_shown(client, member):
    client.force_login(member.user)
    page = client.get(reverse("members:my-organisations"), **EN).content.decode()
    return MOBILITY.search(page).group(1)


def outflow_ledger(client, organiser, course, organisation):
    """The names on the site's outflow ledger of ``organisation``."""
    client.force_login(organiser)
    response = client.get(
        f"/reports/members/?course={course.pk}&organisation={organisation.pk}"
        "&mobility=outflow",
        **EN,
    )
    assert response.status_code == 200
    return LEDGER_NAMES.findall(response.content.decode())


def report_rows(client, organiser, course):
    """The organiser's completion report as exported: members per bucket."""
    client.force_login(organiser)
    response = client.get(f"/reports/?course={course.pk}&export=csv", **EN)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def request_and_cancel(client, member, code):
    client.force_login(member.user)
    assert client.post(f"/register/{code}/", {"message": "上海"}).status_code == 302
    registration = Registration.objects.get(member=member, status="requested")
    cancel = reverse("members:registration-cancel", args=[registration.pk])
    return lambda: client.post(cancel, **EN)


def test_my_organisations_shows_home_host_and_status(client, people):
    client.force_login(people.hosted.user)
    response = client.get(reverse("members:my-organisations"), **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲一支部" in page and "乙一县" in page
    assert "Inflow" in page
    # The member sees their own phone in full.
    assert "13855556666" in page


def test_my_organisations_heads_the_date_column_with_a_date(client, people):
    # The column said 已申请 (the status "Requested") above a confirmed one's date.
    client.force_login(people.hosted.user)

    page = client.get(
        reverse("members:my-organisations"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "<th>申请日期</th>" in page
    assert "<th>已申请</th>" not in page


def test_anonymous_visitors_are_sent_to_log_in(client, tree):
    response = client.get("/register/B1/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/register/B1/")


def test_a_user_without_a_member_profile_is_told_so(client, people):
    client.force_login(people.plain)
    response = client.get(reverse("members:my-organisations"), **EN)
    assert response.status_code == 200
    assert "no member profile" in response.content.decode()


def test_search_finds_organisations_by_code_or_name(client, people):
    client.force_login(people.local_a1a.user)
    by_code = client.get("/register/?q=b1", **EN).content.decode()
    assert "乙一县" in by_code
    by_name = client.get("/register/?q=甲二", **EN).content.decode()
    assert "甲二县" in by_name and "甲二支部" in by_name and "乙一县" not in by_name
    nothing = client.get("/register/?q=不存在", **EN).content.decode()
    assert "No organisation matches" in nothing


@pytest.mark.parametrize(
    ("message", "stored"),
    [("上\x01海", False), ("上海\n浦东\t工地", True)],
)
def test_a_registration_message_keeps_what_a_keyboard_types(
    client, people, message, stored
):
    client.force_login(people.local_a1a.user)

    response = client.post("/register/L/", {"message": message}, **EN)

    assert people.local_a1a.registrations.exists() is stored
    if not stored:
        assert response.status_code == 400
        assert "characters that are not allowed" in response.content.decode()


@pytest.mark.parametrize("typed", ["b1", "Ｂ１", "%20B1%20"])
def test_the_posters_address_takes_the_code_as_the_search_does(client, people, typed):
    # a code typed into the address bar: in full-width mode, or with spaces
    client.force_login(people.local_a1a.user)

    response = client.get(f"/register/{typed}/", **EN)

    assert response.status_code == 200
    assert "乙一县" in response.content.decode()


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_search_asks_nothing_and_answers_nothing(client, people, query):
    # given a member who pressed Search with nothing typed
    client.force_login(people.local_a1a.user)

    page = client.get(f"/register/?q={query}", **EN).content.decode()

    # then the page is the search form, not "no organisation matches"
    assert "No organisation matches" not in page
    assert 'id="results"' not in page


def test_a_search_too_long_says_so(client, people):
    client.force_login(people.local_a1a.user)

    page = client.get("/register/?q=" + "甲" * 101, **EN).content.decode()

    assert "No organisation matches" not in page
    assert "Ensure this value has at most 100 characters (it has 101)." in page


def test_member_registers_through_the_qr_code_url_and_the_host_confirms(
    client, tree, people
):
    # given the member scans the liaison station's poster
    member = people.local_a2a
    client.force_login(member.user)
    page = client.get("/register/l/", **EN)
    assert page.status_code == 200
    assert "驻沪联络站" in page.content.decode()
    # when they send the request
    response = client.post("/register/L/", {"message": "在上海打工"}, **EN)
    # then it is pending and recorded
    assert response.status_code == 302
    registration = Registration.objects.get(member=member)
    assert registration.status == "requested"
    assert registration.organisation == tree.liaison
    status = client.get(reverse("members:my-organisations"), **EN).content.decode()
    assert "Requested" in status
    assert MobilityRecord.objects.filter(
        member=member, kind="registration_requested"
    ).exists()


def test_a_second_open_request_is_refused_with_a_message(client, tree, people):
    client.force_login(people.hosted.user)
    response = client.post("/register/L/", {"message": ""}, **EN)
    assert response.status_code == 400
    assert "already have an open registration" in response.content.decode()
    assert people.hosted.registrations.count() == 1


@pytest.mark.parametrize(
    ("who", "code", "reason"),
    [
        ("local_a1a", "A1A", "This is your home organisation"),
        ("local_a1a", "A1", "already one of its members"),
        ("hosted", "L", "already have an open registration"),
    ],
)
def test_a_member_who_cannot_register_there_is_told_before_typing(
    client, people, who, code, reason
):
    # given a member opening a poster's page where they cannot register: their
    # home organisation's, one above it, or any while a registration is open
    member = getattr(people, who)
    client.force_login(member.user)

    response = client.get(f"/register/{code}/", **EN)

    # then the page says why at once, with no form to fill in for nothing
    page = response.content.decode()
    assert response.status_code == 200
    assert reason in page
    assert "<textarea" not in page
    assert "Send my request" not in page
    assert "/me/organisations/" in page


def test_registering_with_your_home_organisation_is_refused(client, people):
    client.force_login(people.local_a1a.user)
    response = client.post("/register/A1A/", {}, **EN)
    assert response.status_code == 400
    assert "home organisation" in response.content.decode()


@pytest.mark.parametrize("code", ["A1", "A", "P"])
def test_registering_with_an_organisation_above_your_home_is_refused(
    client, people, code
):
    # given 张三, whose home is branch A1a (in county A1, city A, province P)
    member = people.local_a1a
    client.force_login(member.user)

    # when they ask to register with the county, the city or the province
    response = client.post(f"/register/{code}/", {"message": "在县城打工"}, **EN)

    # then the form says why, and nothing is stored
    assert response.status_code == 400
    assert "already one of its members" in response.content.decode()
    assert not member.registrations.exists()
    assert not member.mobility_records.exists()
    assert mobility_shown(client, member) == "Local"


def test_a_member_held_at_a_county_can_register_with_a_branch_under_it(client, tree):
    # A branch below the home is another organisation: a move within a subtree.
    member = make_member(tree.a1, name="县直党员")
    client.force_login(member.user)

    response = client.post("/register/A1A/", {"message": "搬到支部所在村"}, **EN)

    assert response.status_code == 302
    assert member.registrations.get().organisation == tree.a1a


def test_cancelling_a_request_takes_back_the_move_it_recorded(
    client, tree, people, course
):
    # given 张三, local in branch A1a, and what the reports show before
    member = people.local_a1a
    rollups_rebuild()
    report_before = report_rows(client, people.province, course)
    ledger_before = outflow_ledger(client, people.county, course, tree.a1a)
    assert "张三" not in ledger_before

    # when 张三 asks to register in Shanghai: moved away, on the home's ledger
    cancel = request_and_cancel(client, member, "L")
    assert mobility_shown(client, member) == "Outflow"
    assert "张三" in outflow_ledger(client, people.county, course, tree.a1a)
    assert report_rows(client, people.province, course) != report_before
    # and then cancels the request
    client.force_login(member.user)
    assert cancel().status_code == 302

    # then 张三 is local again, wherever it shows
    assert mobility_shown(client, member) == "Local"
    assert outflow_ledger(client, people.county, course, tree.a1a) == ledger_before
    assert report_rows(client, people.province, course) == report_before
    assert not rollups_rebuild(check=True).found
    client.force_login(member.user)
    page = client.get(reverse("members:my-organisations"), **EN).content.decode()
    assert "Registration cancelled" in page


def test_cancelling_a_request_keeps_a_member_who_had_moved_away_outflow(
    client, tree, people, course
):
    # given 赵六, recorded by the home side as moved away before asking
    member = people.outflow
    rollups_rebuild()
    report_before = report_rows(client, people.province, course)

    # when 赵六 asks to register in Shanghai and cancels
    cancel = request_and_cancel(client, member, "L")
    client.force_login(member.user)
    assert cancel().status_code == 302

    # then 赵六 is still outflow, on the home's ledger, and the report is as it was
    assert mobility_shown(client, member) == "Outflow"
    assert "赵六" in outflow_ledger(client, people.city, course, tree.a2a)
    assert report_rows(client, people.province, course) == report_before
    assert not rollups_rebuild(check=True).found


def test_an_unknown_code_is_a_404(client, people):
    client.force_login(people.local_a1a.user)
    assert client.get("/register/NOPE/").status_code == 404


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "No organisation has this code."), ("zh-hans", "没有使用此代码的组织。")],
)
def test_an_unknown_code_says_so_and_offers_the_search(
    client, people, language, message
):
    # given a member who scanned an old poster, or typed its code wrong
    client.force_login(people.local_a1a.user)

    response = client.get("/register/NOPE/", HTTP_ACCEPT_LANGUAGE=language)

    # then the page says why there is nothing to register with, and how to find it
    assert response.status_code == 404
    page = response.content.decode()
    assert message in page
    assert 'name="q"' in page
    assert not Registration.objects.filter(member=people.local_a1a).exists()


def test_member_cancels_a_pending_request_but_not_someone_elses(client, tree, people):
    client.force_login(people.local_a1a.user)
    client.post("/register/L/", {})
    registration = Registration.objects.get(member=people.local_a1a)
    # another member cannot cancel it
    other = make_user("other")
    client.force_login(other)
    assert (
        client.post(
            reverse("members:registration-cancel", args=[registration.pk])
        ).status_code
        == 200  # no profile page; nothing changes
    )
    intruder = Member.objects.get(pk=people.local_a2a.pk).user
    client.force_login(intruder)
    url = reverse("members:registration-cancel", args=[registration.pk])
    assert client.post(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == "requested"
    # the member can
    client.force_login(people.local_a1a.user)
    assert client.post(url).status_code == 302
    registration.refresh_from_db()
    assert registration.status == "cancelled"


def test_helper_sees_only_paired_members_and_logs_a_visit(client, people):
    client.force_login(people.helper)
    listing = client.get(reverse("members:my-pairs"), **EN).content.decode()
    assert "张三" in listing and "李四" not in listing
    # helpers see the phone masked
    assert "138****2222" in listing and "13811112222" not in listing
    url = reverse("members:pair-detail", args=[people.local_a1a.pk])
    response = client.post(url, {"kind": "visit", "note": "送学上门"}, **EN)
    assert response.status_code == 302
    page = client.get(url, **EN).content.decode()
    assert "送学上门" in page and "Visit" in page
    # a contact credits no lesson: the page leads to where in-person study is
    # recorded, and the list to the members' study
    in_person = reverse("courses:in-person", args=[people.local_a1a.pk])
    assert f'href="{in_person}"' in page
    assert client.get(in_person).status_code == 200
    assert f'href="{reverse("courses:report-members")}"' in listing
    bad = client.post(url, {"kind": "nonsense"}, **EN)
    assert bad.status_code == 400
    other = reverse("members:pair-detail", args=[people.local_a2a.pk])
    assert client.get(other).status_code == 404


def test_users_without_pairings_see_an_empty_helper_page(client, people):
    client.force_login(people.plain)
    page = client.get(reverse("members:my-pairs"), **EN).content.decode()
    assert "No members are paired with you" in page


def test_form_labels_end_in_the_colon_of_the_page_language(client, people):
    client.force_login(people.local_a1a.user)

    simplified = client.get("/register/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get("/register/", **EN)

    # Django's zh_Hans catalogue gives the ASCII colon; ours the full-width one
    assert "：</label>" in simplified.content.decode()
    assert ":</label>" in english.content.decode()


def test_a_member_reads_why_a_registration_was_confirmed_and_why_it_ended(
    client, tree, people
):
    # given the host confirmed with a reason and the home side ended it with another
    registration = Registration.objects.get(member=people.hosted)
    registration.reason = "欢迎"
    registration.save(update_fields=["reason"])
    services.registration_end(
        registration=registration, ended_by=people.county, reason="又搬走了"
    )
    client.force_login(people.hosted.user)

    # when the member looks at their organisations, on the site and in the app
    page = client.get(reverse("members:my-organisations"), **EN).content.decode()
    listed = client.get("/api/v1/members/me/registrations/").json()

    # then both reasons are there, each under its own name
    assert "Reason for ending" in page
    assert "欢迎" in page and "又搬走了" in page
    assert [(r["status"], r["reason"], r["end_reason"]) for r in listed] == [
        ("ended", "欢迎", "又搬走了")
    ]


def test_returning_home_gives_the_registration_its_reason_for_ending(tree, people):
    services.member_record_returned(
        member=people.hosted, recorded_by=people.county, note="回乡务农"
    )

    registration = Registration.objects.get(member=people.hosted)
    assert (registration.status, registration.end_reason) == ("ended", "回乡务农")
