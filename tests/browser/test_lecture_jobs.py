"""The editor's live view of transcoding jobs in Debian's Chromium: the "Lecture jobs"
screen and a lecture's edit screen follow the job without a reload, and the edit
screen shows the failure and "Retry" when the job ends."""

import pytest
from django.utils import timezone

from media_pipeline.models import Lecture, LectureStatus
from tests.browsing import admin_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wagtail_tree"),
]


def queued_lecture(title: str) -> Lecture:
    return Lecture.objects.create(
        title=title,
        file="media/talk.mp4",
        type="video",
        status=LectureStatus.QUEUED,
        queued_at=timezone.now(),
    )


def test_the_jobs_screen_follows_a_job_as_it_runs(browser, live_server):
    # given an editor on the jobs screen while a lecture waits
    lecture = queued_lecture("第一讲")
    context, page = admin_page(browser, live_server, "/admin/lecture-jobs/")
    row = page.locator(f'tr[data-lecture="{lecture.pk}"]')
    row.wait_for()
    assert row.locator('[data-field="status_label"]').inner_text() == "Queued"

    # when a worker takes it and reports progress
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.PROCESSING, progress=42
    )

    # then the row shows it without a reload
    page.wait_for_function(
        f"""document.querySelector('tr[data-lecture="{lecture.pk}"] '
            + '[data-field="progress_text"]').textContent === '42%'"""
    )
    assert row.locator('[data-field="status_label"]').inner_text() == "Processing"

    # when the job fails
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.FAILED, error_key="internal_error"
    )

    # then the row says so, in words
    page.wait_for_function(
        f"""document.querySelector('tr[data-lecture="{lecture.pk}"] '
            + '[data-field="status_label"]').textContent === 'Failed'"""
    )
    assert row.locator('[data-field="error"]').inner_text() == (
        "Transcoding failed because of an internal error."
    )
    # and its actions are a failed lecture's: Retry, working, without a reload
    retry = row.locator("button", has_text="Retry")
    retry.wait_for(timeout=5000)
    assert row.locator("a", has_text="Replace file").count() == 1
    retry.click()
    # (the immediate task backend then runs the job, which has no file to read)
    page.get_by_text("'第一讲' is queued again.").wait_for(timeout=10000)
    context.close()


def test_the_jobs_screen_stops_polling_quietly_when_the_session_has_expired(
    browser, live_server
):
    # given an editor on the jobs screen while a lecture waits
    lecture = queued_lecture("第三讲")
    context, page = admin_page(browser, live_server, "/admin/lecture-jobs/")
    page.locator(f'tr[data-lecture="{lecture.pk}"]').wait_for()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(error))
    polls = []
    page.on("request", lambda r: "status.json" in r.url and polls.append(r.url))

    # when the session expires (the status URL now answers with the login page)
    context.clear_cookies()

    # then the poller asks once more, stops, and says nothing in the console
    page.wait_for_selector("[data-lecture-jobs][data-polling-stopped]", timeout=10000)
    asked = len(polls)
    page.wait_for_timeout(7000)
    assert len(polls) == asked
    assert errors == []
    context.close()


def test_the_edit_screen_shows_the_failure_and_retry_when_the_job_ends(
    browser, live_server
):
    # given an editor on the edit screen of a lecture being transcoded
    lecture = queued_lecture("第二讲")
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.PROCESSING, progress=10
    )
    context, page = admin_page(browser, live_server, f"/admin/media/edit/{lecture.pk}/")
    message = page.locator('.error-message[data-field="error"]')
    message.wait_for(state="attached")
    assert not message.is_visible()
    assert page.locator("button", has_text="Retry").count() == 0

    # when the job fails
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.FAILED, error_key="internal_error"
    )

    # then the screen reloads itself with the message and "Retry"
    page.locator("button", has_text="Retry").wait_for(timeout=15000)
    assert message.is_visible()
    assert message.inner_text() == "Transcoding failed because of an internal error."
    assert page.locator('[data-field="status_label"]').inner_text() == "Failed"
    context.close()
