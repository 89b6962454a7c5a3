"""A lesson saved for offline study, in Debian's Chromium on a phone against a
live server: the service worker answers the saved page and lecture offline (byte
ranges included), other pages get the offline page, the progress played offline
reaches the server when the phone is back online; a failed save keeps nothing.

Playwright's offline emulation (``context.set_offline``) cuts the service
worker's own fetches too in this Chromium: offline, a page that is not saved gets
the offline page, which the worker only answers when its fetch fails."""

import shutil
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from courses.models import LessonProgress, ProgressEvent
from tests.browsing import phone_session, wait_for
from tests.courses.conftest import lecture_body, make_member
from tests.factories import make_lesson

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wagtail_tree"),
]

VIDEO = "document.getElementById('video')"
CACHED = """caches.has('satchel-offline').then(has => has
  ? caches.open('satchel-offline').then(c => c.keys())
      .then(keys => keys.map(k => new URL(k.url).pathname))
  : [])"""
RANGE = """url => fetch(url, {headers: {Range: 'bytes=100-199'}}).then(async r => ({
  status: r.status, range: r.headers.get('Content-Range'),
  body: Array.from(new Uint8Array(await r.arrayBuffer()))}))"""
QUEUE = """new Promise(ok => {
  const open = indexedDB.open('satchel-progress');
  open.onsuccess = () => {
    const count = open.result.transaction('events').objectStore('events').count();
    count.onsuccess = () => ok(count.result);
  };
})"""
SAVED = "Saved on this phone."
QUEUED = "Offline: your progress is saved on this phone"


def member_on_a_lesson(browser, live_server, branch, tree, lecture):
    member = make_member("wang", branch)
    _, course = tree
    lesson = make_lesson(course, slug="one", body=lecture_body(lecture))
    context, page, requests = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector("#play")
    page.wait_for_load_state("networkidle")
    return member, course, lesson, context, page, requests


def save_for_offline(page):
    page.click("#save-offline")
    page.wait_for_selector("#remove-offline:not([hidden])", timeout=30000)


def test_a_saved_lesson_plays_offline_and_its_progress_arrives_back_online(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member on a lesson with a transcoded 30 s lecture
    member, course, lesson, context, page, requests = member_on_a_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    # then nothing for offline study is fetched before they ask for it
    assert not [u for u in requests if "download.mp4" in u or "offline" in u], requests
    assert not [u for u in requests if u.endswith("/sw.js")]
    mp4 = page.get_attribute("#video", "data-mp4")

    # when they press "Save for offline"
    save_for_offline(page)

    # then the page, the lecture file, the poster, its CSS and JS are in the cache
    assert page.inner_text("#offline-note").startswith(SAVED)
    assert page.is_hidden("#save-offline")
    cached = page.evaluate(CACHED)
    assert {lesson.url, "/offline/", "/static/css/satchel.css"} <= set(cached)
    assert {"/static/js/lesson.js", "/static/js/offline.js"} <= set(cached)
    assert any(path.endswith("/download.mp4") for path in cached)
    assert any(path.endswith("/poster.jpg") for path in cached)

    # given the lesson then changes on the server and its lecture files go away
    # (what plays offline can only come from the phone)
    folder = Path(default_storage.path(ready_lecture.output_prefix))
    download = (folder / "download.mp4").read_bytes()
    shutil.rmtree(folder)
    lesson.title = "第一课（新版）"
    lesson.save_revision().publish()

    # when the phone goes offline and the member opens the lesson again
    context.set_offline(True)
    page.reload()

    # then the saved page loads, and says so
    assert page.inner_text("h1") == "第一课"
    page.wait_for_selector("#remove-offline:not([hidden])")

    # and the worker answers a byte range of the lecture with a 206
    answer = page.evaluate(RANGE, mp4)
    assert answer["status"] == 206
    assert answer["range"] == f"bytes 100-199/{len(download)}"
    assert bytes(answer["body"]) == download[100:200]

    # when they play the lecture to its end
    page.click("#play")
    page.wait_for_function(f"{VIDEO}.currentTime > 2", timeout=20000)
    assert page.evaluate(f"{VIDEO}.src").endswith("/download.mp4")
    assert page.inner_text("#player-message").startswith(QUEUED)
    page.evaluate(f"{VIDEO}.playbackRate = 2")
    page.wait_for_function(f"{VIDEO}.ended", timeout=40000)

    # then nothing reached the server while offline
    assert not LessonProgress.objects.filter(member=member).exists()

    # when they open a page that is not saved
    page.goto(f"{live_server.url}{course.url}")

    # then the offline page lists the saved lesson, whose link opens it
    assert page.inner_text("h1") == "You are offline"
    page.click("#saved-lessons a:text('第一课')")
    page.wait_for_selector("#remove-offline:not([hidden])")

    # when the phone is back online
    context.set_offline(False)

    # then the events played offline arrive and complete the lesson
    progress = wait_for(
        lambda: LessonProgress.objects.filter(
            member=member, lesson=lesson, status="completed"
        ).first(),
        timeout=30,
        message="offline progress delivered",
    )
    assert progress.completed_via == "offline_sync"
    assert progress.seconds_watched >= 0.9 * ready_lecture.duration
    assert ProgressEvent.objects.filter(progress=progress, offline=True).exists()

    # and online, the page comes from the network first
    page.reload()
    assert page.inner_text("h1") == "第一课（新版）"
    context.close()


def test_removing_a_saved_lesson_empties_the_cache(
    browser, live_server, branch, tree, ready_lecture
):
    # given a lesson saved on the phone
    *_, context, page, _ = member_on_a_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    save_for_offline(page)
    page.reload()
    page.wait_for_selector("#remove-offline:not([hidden])")

    # when the member removes it
    page.click("#remove-offline")

    # then the cache is empty and the lesson can be saved again
    page.wait_for_selector("#save-offline:not([hidden])")
    assert page.inner_text("#offline-note") == "Removed from this phone."
    assert page.evaluate(CACHED) == []
    assert page.evaluate("localStorage.getItem('satchel-offline')") == "[]"
    context.close()


def test_a_lesson_that_fails_to_save_is_not_reported_as_saved(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member on a lesson whose lecture file cannot be fetched
    *_, context, page, _ = member_on_a_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    context.route("**/download.mp4", lambda route: route.abort())

    # when they press "Save for offline"
    page.click("#save-offline")

    # then they are told, and nothing is kept
    page.wait_for_function(
        "document.getElementById('offline-note').textContent.startsWith('Could not')"
    )
    assert page.is_visible("#save-offline") and page.is_hidden("#remove-offline")
    assert page.evaluate(CACHED) == []

    # given a phone with less room than the lecture needs (Chromium's own quota,
    # which refuses the files midway: what was stored before must go again)
    context.unroute("**/download.mp4")
    cdp = context.new_cdp_session(page)
    cdp.send(
        "Storage.overrideQuotaForOrigin",
        {"origin": live_server.url, "quotaSize": 100_000},
    )

    # when they press "Save for offline" again
    page.click("#save-offline")

    # then they are told there is not enough space, and nothing is kept
    page.wait_for_function(
        "document.getElementById('offline-note').textContent.startsWith('Not enough')"
    )
    assert page.is_visible("#save-offline")
    assert page.evaluate(CACHED) == []
    context.close()


def test_a_saved_lesson_resumes_where_it_was_last_played_offline(
    browser, live_server, branch, tree, ready_lecture
):
    # given a lesson saved before the member played any of it, changed since
    member, _, lesson, context, page, _ = member_on_a_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    save_for_offline(page)
    assert page.inner_text("#play") == "▶ Play"
    lesson.title = "第一课（新版）"
    lesson.save_revision().publish()

    # when, offline, they play part of it and come back to it later
    context.set_offline(True)
    page.reload()
    page.click("#play")
    page.wait_for_function(f"{VIDEO}.currentTime > 6", timeout=20000)
    page.evaluate(f"{VIDEO}.pause()")
    stopped = page.evaluate(f"{VIDEO}.currentTime")
    page.reload()

    # then the saved page (which still holds the day it was saved) offers to
    # continue where they stopped, and does
    assert page.inner_text("h1") == "第一课"
    assert page.inner_text("#play") == "▶ Continue"
    assert page.inner_text("#resume-note") == f" · resumes at {int(stopped)} s"
    page.click("#play")
    page.wait_for_function(f"{VIDEO}.currentTime > 0", timeout=20000)
    assert page.evaluate(f"{VIDEO}.currentTime") >= int(stopped) - 1

    # when the phone is back online and the events played offline arrive (the
    # queue on the phone empties; watched there, so that the test's reads do not
    # lock SQLite's shared in-memory database while the server writes to it)
    page.evaluate(f"{VIDEO}.pause()")
    context.set_offline(False)
    wait_for(
        lambda: page.evaluate(QUEUE) == 0,
        timeout=45,
        message="the phone's queue sent",
        detail=lambda: page.evaluate(QUEUE),
    )
    progress = wait_for(
        lambda: LessonProgress.objects.filter(member=member, lesson=lesson).first(),
        message="the progress stored",
    )
    assert progress.position >= int(stopped)
    page.reload()

    # then the server's page says the same, and the phone forgets its own copy
    assert page.inner_text("h1") == "第一课（新版）"
    assert page.inner_text("#resume-note") == (
        f" · resumes at {int(progress.position)} s"
    )
    assert page.evaluate("localStorage.getItem('satchel-resume')") == "{}"
    context.close()
