"""A contact's time, in the helper's page and the API: within the last year, not in the
future (members.services.validate_contact_time)."""

import pytest
from django.utils import timezone

from members.models import ContactRecord

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("at", "error"),
    [
        ("0001-01-01T00:00:00", "Datetime value out of range."),
        ("0001-01-01T00:00:00Z", "The contact time cannot be more than a year ago."),
        ("9999-12-31T23:59:59+08:00", "The contact time cannot be in the future."),
    ],
)
def test_a_contact_time_outside_the_last_year_is_refused(client, people, at, error):
    # (year 1 or 9999 was stored, and the contact log could not show it: a 500)
    client.force_login(people.helper)
    url = f"/api/v1/members/{people.local_a1a.pk}/contacts/"

    response = client.post(
        url,
        {"kind": "visit", "at": at},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"at": [error]}
    assert not ContactRecord.objects.exists()


def test_the_contact_form_refuses_a_time_outside_the_last_year(client, people):
    client.force_login(people.helper)
    url = f"/me/pairs/{people.local_a1a.pk}/"

    for at in ("0001-01-01 00:00", "9999-12-31 23:59"):
        response = client.post(
            url, {"kind": "call", "at": at}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400
        assert "The contact time cannot be" in response.content.decode()
    assert not ContactRecord.objects.exists()


def test_the_contact_form_offers_the_phones_picker_and_says_empty_means_now(
    client, people
):
    client.force_login(people.helper)

    html = client.get(
        f"/me/pairs/{people.local_a1a.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'type="datetime-local"' in html
    assert 'aria-describedby="id_at_helptext"' in html
    assert (
        '<small class="muted" id="id_at_helptext">Leave empty for now.</small>' in html
    )


def test_the_pickers_time_is_read(client, people):
    client.force_login(people.helper)

    response = client.post(
        f"/me/pairs/{people.local_a1a.pk}/",
        {"kind": "call", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 302
    assert ContactRecord.objects.count() == 1


def test_a_note_longer_than_a_page_is_refused_on_the_page_and_in_the_api(
    client, people
):
    # a 200,000 character note was kept and shown whole on the helper's phone
    client.force_login(people.helper)
    long_note = "记" * 2001

    page = client.post(
        f"/me/pairs/{people.local_a1a.pk}/",
        {"kind": "call", "note": long_note},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    api = client.post(
        f"/api/v1/members/{people.local_a1a.pk}/contacts/",
        {"kind": "call", "note": long_note},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert page.status_code == 400
    assert "at most 2000 characters" in page.content.decode()
    assert api.status_code == 400
    assert "no more than 2000 characters" in str(api.json()["fields"]["note"])
    assert not ContactRecord.objects.exists()
