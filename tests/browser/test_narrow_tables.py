"""The tables organisers and helpers read on a phone fit a 360 px screen in every
language, long notes and links included (they stack as "label value" lines)."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.services import in_person_study_record
from members.services.pairing import contact_record_add, pairing_create
from members.services.roles import organiser_role_grant
from tests.browsing import phone_session, switch_language
from tests.courses.conftest import make_member
from tests.factories import make_lesson, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wagtail_tree"),
]
LINK = "https://example.org/" + "a-very-long-link-to-a-study-note/" * 8


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_in_person_records_and_a_contact_log_fit_a_phone(
    language, browser, live_server, branch, tree
):
    # given a member studied with in person, and a helper's contact with a long link
    _, course = tree
    member = make_member("wang", branch)
    lesson = make_lesson(course, title="Studying the Constitution, chapter one")
    organiser = make_user("organiser")
    organiser_role_grant(user=organiser, organisation=branch)
    in_person_study_record(
        recorded_by=organiser,
        member=member,
        lesson=lesson,
        studied_on=timezone.localdate() - dt.timedelta(days=1),
        note=LINK,
    )
    helper = make_user("helper")
    pairing = pairing_create(helper=helper, member=member)
    contact_record_add(pairing=pairing, kind="call", note=LINK, recorded_by=helper)

    # when the organiser and the helper open them on a 360 px screen
    for username, url in (
        ("organiser", f"/in-person-study/{member.pk}/"),
        ("helper", f"/me/pairs/{member.pk}/"),
    ):
        context, page, _ = phone_session(
            browser, live_server, username=username, next_url=url
        )
        switch_language(page, language)
        page.wait_for_selector("table")

        # then nothing scrolls sideways
        assert fits_the_screen(page), (
            username,
            language,
            page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e =>"
                " e.getBoundingClientRect().right > 361).slice(0, 5).map(e =>"
                " e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right"
                " + ' ' + e.textContent.slice(0, 40))"
            ),
        )
        context.close()
