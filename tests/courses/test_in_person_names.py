"""Who recorded in-person study is shown by name, never by a login named by a phone
(members.people: logins made for imported members are their phone numbers)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from members.services import member_create, pairing_create

pytestmark = pytest.mark.django_db


def test_a_helper_who_is_an_imported_member_is_shown_by_name(
    client, organiser, member, branch, video_lesson
):
    # a helper imported with the roster: their login is their phone number
    neighbour = member_create(
        name="王大姐", phone="13912345678", home_organisation=branch
    )
    assert neighbour.user.username == "13912345678"
    pairing_create(helper=neighbour.user, member=member)
    client.force_login(neighbour.user)
    client.post(
        reverse("courses:in-person", args=[member.pk]),
        {
            "lesson": video_lesson.pk,
            "studied_on": timezone.localdate().isoformat(),
            "note": "送学上门",
        },
    )
    client.force_login(organiser)

    page = client.get(reverse("courses:in-person", args=[member.pk])).content.decode()

    assert "王大姐" in page
    assert "13912345678" not in page
