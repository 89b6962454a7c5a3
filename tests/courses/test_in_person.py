import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import CompletedVia, InPersonStudy, LessonProgress, ProgressStatus
from courses.services import in_person_study_record
from tests.courses.conftest import make_member, make_organisation
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def record(client, member, lesson, **fields):
    data = {
        "lesson": getattr(lesson, "pk", lesson),
        "studied_on": timezone.localdate().isoformat(),
        "note": "送学上门",
        **fields,
    }
    return client.post(
        reverse("courses:in-person", args=[member.pk]),
        data,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_organiser_records_in_person_study_and_it_counts_as_completion(
    client, organiser, member, video_lesson
):
    # given an organiser of the member's branch
    client.force_login(organiser)

    # when they record the lesson studied in person
    response = record(client, member, video_lesson)

    # then the lesson is complete, marked as in person, and the record is audited
    assert response.status_code == 302
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.status == ProgressStatus.COMPLETED
    assert progress.completed_via == CompletedVia.IN_PERSON
    assert str(progress.hours_credited) == "0.25"
    row = InPersonStudy.objects.get()
    assert row.recorded_by == organiser
    assert row.note == "送学上门"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Revoke" in page


def test_paired_helper_records_but_cannot_revoke(client, helper, member, video_lesson):
    client.force_login(helper)

    record(client, member, video_lesson)
    row = InPersonStudy.objects.get()
    response = client.post(
        reverse("courses:in-person-revoke", args=[row.pk]), {"reason": "错了"}
    )

    row.refresh_from_db()
    assert response.status_code == 302
    assert row.revoked_at is None
    page = client.get(
        reverse("courses:in-person", args=[member.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Counts as completed" in page
    assert ">Revoke<" not in page


def test_organiser_revokes_and_the_completion_is_withdrawn(
    client, organiser, member, video_lesson
):
    client.force_login(organiser)
    record(client, member, video_lesson)
    row = InPersonStudy.objects.get()

    response = client.post(
        reverse("courses:in-person-revoke", args=[row.pk]), {"reason": "记错了人"}
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_by == organiser and row.revoke_reason == "记错了人"
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.status == ProgressStatus.NOT_STARTED
    assert progress.completed_at is None
    assert progress.hours_credited == 0
    page = client.get(
        reverse("courses:in-person", args=[member.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Revoked by organiser" in page


def test_a_lesson_recorded_twice_is_a_form_error_until_revoked(
    client, organiser, member, video_lesson
):
    # (the second record, a double tap or another organiser, was a 500 once)
    client.force_login(organiser)
    first = record(client, member, video_lesson)

    again = record(client, member, video_lesson, note="又送了一次")

    assert first.status_code == 302
    assert again.status_code == 400
    assert (
        "This lesson was already recorded as studied in person on "
        f"{timezone.localdate().isoformat()}. Revoke that record first"
    ) in again.content.decode()
    assert InPersonStudy.objects.get().note == "送学上门"
    # once revoked, it can be recorded again
    client.post(
        reverse("courses:in-person-revoke", args=[InPersonStudy.objects.get().pk]),
        {"reason": "重新记录"},
    )
    assert record(client, member, video_lesson).status_code == 302
    assert InPersonStudy.objects.filter(revoked_at__isnull=True).count() == 1


def test_revoking_needs_a_reason(client, organiser, member, video_lesson):
    client.force_login(organiser)
    record(client, member, video_lesson)
    row = InPersonStudy.objects.get()

    response = client.post(
        reverse("courses:in-person-revoke", args=[row.pk]),
        {"reason": ""},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    row.refresh_from_db()
    assert row.revoked_at is None
    assert "Please give a reason for revoking." in response.content.decode()


@pytest.mark.parametrize(
    "reason, said",
    [
        ("错" * 1001, "Ensure this value has at most 1000 characters (it has 1001)."),
        ("记错\x00了", "Null characters are not allowed."),
    ],
)
def test_a_reason_that_cannot_be_kept_is_refused_for_what_it_is(
    client, organiser, member, video_lesson, reason, said
):
    # both were answered "Please give a reason", though one was given
    client.force_login(organiser)
    record(client, member, video_lesson)
    row = InPersonStudy.objects.get()

    response = client.post(
        reverse("courses:in-person-revoke", args=[row.pk]),
        {"reason": reason},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    row.refresh_from_db()
    assert row.revoked_at is None
    assert said in response.content.decode()
    assert "Please give a reason" not in response.content.decode()


def test_online_completion_is_kept_when_a_record_is_revoked(
    client, organiser, member, video_lesson
):
    from courses.services import lesson_progress_complete

    done = lesson_progress_complete(member=member, lesson=video_lesson, via="online")
    client.force_login(organiser)
    record(client, member, video_lesson)
    row = InPersonStudy.objects.get()

    client.post(reverse("courses:in-person-revoke", args=[row.pk]), {"reason": "重复"})

    progress = LessonProgress.objects.get(pk=done.pk)
    assert progress.completed_via == CompletedVia.ONLINE
    assert progress.completed_at == done.completed_at


def test_people_outside_the_scope_get_404(client, member, video_lesson):
    other_branch = make_organisation("二支部")
    stranger = make_user("stranger")
    from members.services import organiser_role_grant

    organiser_role_grant(user=stranger, organisation=other_branch)
    client.force_login(stranger)

    assert record(client, member, video_lesson).status_code == 404
    assert client.get(reverse("courses:in-person", args=[member.pk])).status_code == 404
    assert not InPersonStudy.objects.exists()


def test_a_member_cannot_record_for_themselves(client, member, video_lesson):
    client.force_login(member.user)

    # a plain member is no organiser or helper: refused, saying why
    response = record(client, member, video_lesson)
    assert response.status_code == 403
    assert "Only organisers and helpers can record" in response.content.decode()


def test_an_organiser_cannot_record_for_themselves(client, member, video_lesson):
    from members.services import organiser_role_grant

    organiser_role_grant(user=member.user, organisation=member.home_organisation)
    client.force_login(member.user)

    assert record(client, member, video_lesson).status_code == 404


def test_future_date_and_unknown_lesson_are_form_errors(
    client, organiser, member, video_lesson
):
    client.force_login(organiser)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    future = record(client, member, video_lesson, studied_on=tomorrow)
    unknown = record(client, member, 999999)
    huge = record(client, member, "99999999999999999999")
    impossible = record(client, member, video_lesson, studied_on="2026-02-30")
    no_lesson = record(client, member, "")

    # a refused form is a 400, like every other organiser form
    assert future.status_code == 400
    assert "cannot be in the future" in future.content.decode()
    assert unknown.status_code == 400
    assert huge.status_code == 400
    assert impossible.status_code == 400
    assert "Enter a valid date." in impossible.content.decode()
    assert no_lesson.status_code == 400
    assert not InPersonStudy.objects.exists()


def test_a_date_before_the_lesson_was_published_is_refused(
    client, organiser, member, video_lesson
):
    # given a lesson first published on 1 March 2024 (local time)
    published = timezone.make_aware(dt.datetime(2024, 3, 1, 9, 0))
    type(video_lesson).objects.filter(pk=video_lesson.pk).update(
        first_published_at=published
    )
    client.force_login(organiser)

    # when a study date the day before, then on the day, is recorded
    before = record(client, member, video_lesson, studied_on="2024-02-29")
    on_the_day = record(client, member, video_lesson, studied_on="2024-03-01")

    # then
    assert before.status_code == 400
    assert (
        "The date cannot be before the lesson was published on 2024-03-01."
        in before.content.decode()
    )
    assert on_the_day.status_code == 302
    assert InPersonStudy.objects.get().studied_on == dt.date(2024, 3, 1)


def test_member_list_shows_only_members_in_scope(
    client, organiser, member, django_assert_max_num_queries
):
    elsewhere = make_member("zhao", make_organisation("三支部"))
    for n in range(10):
        make_member(f"m{n}", member.home_organisation)
    client.force_login(organiser)

    with django_assert_max_num_queries(10):
        page = client.get(reverse("courses:in-person-members")).content.decode()

    assert member.name in page
    assert elsewhere.name not in page


def test_organisers_and_helpers_find_the_in_person_pages_from_my_study(
    client, organiser, helper, member
):
    link = reverse("courses:in-person-members")
    for user, shown in ((organiser, True), (helper, True), (member.user, False)):
        client.force_login(user)
        page = client.get(reverse("courses:my-study")).content.decode()
        assert (f'href="{link}"' in page) is shown


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_the_date_field_holds_todays_date_in_every_language(
    client, organiser, member, language
):
    # A date input only takes ISO dates: the Chinese locales' 2026/12/01 left it
    # empty in the browser.
    client.force_login(organiser)

    page = client.get(
        reverse("courses:in-person", args=[member.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    today = timezone.localdate().isoformat()
    assert f'type="date" name="studied_on" value="{today}"' in page


@pytest.mark.parametrize("hour, completed_hour", [(7, 7), (15, 12)])
def test_a_lesson_studied_today_is_not_completed_later_than_now(
    organiser, member, video_lesson, hour, completed_hour
):
    # a record made at 07:40 showed "last activity 12:00 today" on the member list
    today = timezone.localdate()
    now = timezone.make_aware(dt.datetime.combine(today, dt.time(hour, 40)))

    in_person_study_record(
        recorded_by=organiser,
        member=member,
        lesson=video_lesson,
        studied_on=today,
        now=now,
    )

    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert timezone.localtime(progress.completed_at).hour == completed_hour
    assert progress.completed_at <= now


def test_revoking_a_record_already_revoked_says_so_and_keeps_the_first_reason(
    client, organiser, member, video_lesson
):
    # given a record revoked once (another organiser, or a second tap of Revoke)
    client.force_login(organiser)
    record(client, member, video_lesson)
    row = InPersonStudy.objects.get()
    url = reverse("courses:in-person-revoke", args=[row.pk])
    client.post(url, {"reason": "记错了人"})

    # when it is revoked again with another reason
    response = client.post(url, {"reason": "另一个理由"}, HTTP_ACCEPT_LANGUAGE="en")

    # then the first revocation stands and the page does not claim a new one
    row.refresh_from_db()
    assert row.revoke_reason == "记错了人"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "had already been revoked" in page
    assert "The record was revoked." not in page
