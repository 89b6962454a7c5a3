import pytest

pytestmark = pytest.mark.django_db


def test_a_helper_sees_a_link_to_the_members_they_help(client, people):
    client.force_login(people.helper)

    page = client.get("/me/organisations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/me/pairs/"' in page
    assert "Members I help" in page


def test_a_member_who_helps_nobody_sees_no_such_link(client, people):
    client.force_login(people.local_a1a.user)

    page = client.get("/me/organisations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/me/pairs/"' not in page


def test_an_organiser_sees_a_link_to_the_reports(client, people):
    client.force_login(people.county)

    page = client.get("/me/organisations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/reports/"' in page


def test_a_member_sees_no_link_to_the_reports(client, people):
    client.force_login(people.local_a1a.user)

    page = client.get("/me/organisations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/reports/"' not in page
