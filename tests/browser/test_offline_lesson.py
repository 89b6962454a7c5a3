"""A lesson saved for offline study, in Debian's Chromium on a phone against a
live server: the service worker answers the saved page and lecture offline (byte
ranges included), other pages get the offline page, the progress played offline
reaches the server when the phone is back online; a failed save keeps nothing.
A saved page opened online takes the server's state when it has changed, and only
then, only for the member who saved it, and keeps its old copy when that fails.

Playwright's offline emulation (``context.set_offline``) cuts the service
worker's own fetches too in this Chromium: offline, a page that is not saved gets
the offline page, which the worker only answers when its fetch fails."""

import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage

from courses.models import LessonProgress, ProgressEvent
from courses.services import lesson_progress_complete
from media_pipeline import playback
from tests.browsing import phone_session, sign_in, wait_for
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
SAVED_PAGE = """caches.match(location.origin + location.pathname,
  {cacheName: 'satchel-offline'}).then(r => r.text())"""
LISTED = "JSON.parse(localStorage.getItem('satchel-offline'))"
IMAGE = """url => new Promise(ok => {
  const image = new Image();
  image.onload = () => ok(image.naturalWidth);
  image.onerror = () => ok(0);
  image.src = url;
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


def a_saved_lesson(browser, live_server, branch, tree, lecture):
    """``member_on_a_lesson`` once they have saved it."""
    *opened, page, requests = member_on_a_lesson(
        browser, live_server, branch, tree, lecture
    )
    save_for_offline(page)
    return (*opened, page, requests)


def opened_saved(page):
    """Waits until the saved lesson just opened has done with its refresh (offline.js
    is fetched after the page: its promise appears then)."""
    page.wait_for_function("window.satchelOffline && satchelOffline.refreshing")
    page.evaluate("satchelOffline.refreshing")


def page_fetches(page, lesson):
    """The kinds of request ("document", "fetch") the page makes for the lesson's
    own address, as they come."""
    kinds = []
    page.on(
        "request",
        lambda r: urlsplit(r.url).path == lesson.url and kinds.append(r.resource_type),
    )
    return kinds


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
    *_, context, page, _ = a_saved_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
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
    member, _, lesson, context, page, _ = a_saved_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
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


def test_a_saved_page_opened_online_takes_the_servers_state_for_offline(
    browser, live_server, branch, tree, ready_lecture, monkeypatch
):
    # given a lesson saved before the member completed it
    member, _, lesson, context, page, _ = a_saved_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    assert page.get_attribute("#lesson", "data-complete") == ""
    saved_posters = [p for p in page.evaluate(CACHED) if p.endswith("/poster.jpg")]

    # and then completed on the server, an hour later (the media URLs carry a new
    # token: the saved poster's address is not the page's any more)
    lesson_progress_complete(member=member, lesson=lesson, via="online")
    window = playback.token_window_start()
    monkeypatch.setattr(playback, "token_window_start", lambda: window + 3600)

    # when they open the saved lesson online
    page.reload()
    opened_saved(page)

    # then the saved copy is the server's page, with the new media URLs
    poster, mp4 = (
        page.get_attribute("#video", "poster"),
        page.get_attribute("#video", "data-mp4"),
    )
    assert poster not in saved_posters
    copy = page.evaluate(SAVED_PAGE)
    assert 'data-complete="1"' in copy and poster in copy and mp4 in copy

    # when the phone is offline (and the browser's own cache emptied: only the
    # saved files can answer) and they open it again
    context.new_cdp_session(page).send("Network.clearBrowserCache")
    context.set_offline(True)
    page.reload()

    # then the page says the lesson is complete
    assert page.get_attribute("#lesson", "data-complete") == "1"
    assert page.inner_text("#status").startswith("✓ Completed on")
    page.wait_for_selector("#remove-offline:not([hidden])")

    # and the poster and lecture file under the new token come from the saved ones
    assert page.evaluate(IMAGE, poster) > 0
    assert page.evaluate(RANGE, mp4)["status"] == 206
    context.close()


def test_a_saved_page_is_fetched_again_only_when_its_state_has_changed(
    browser, live_server, branch, tree, ready_lecture
):
    # given a saved lesson
    member, _, lesson, context, page, _ = a_saved_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    fetched = page_fetches(page, lesson)

    # when the member opens it online, nothing having changed
    page.reload()
    opened_saved(page)

    # then the page was fetched once: the navigation
    assert fetched == ["document"]

    # when they open it after completing it elsewhere
    lesson_progress_complete(member=member, lesson=lesson, via="online")
    fetched.clear()
    page.reload()
    opened_saved(page)

    # then the page is fetched again (as the server sends it) to be stored
    assert fetched == ["document", "fetch"]
    assert 'data-complete="1"' in page.evaluate(SAVED_PAGE)

    # and the next time, nothing having changed since, only the navigation
    fetched.clear()
    page.reload()
    opened_saved(page)
    assert fetched == ["document"]
    context.close()


def test_another_member_on_the_phone_leaves_the_saved_copy_alone(
    browser, live_server, branch, tree, ready_lecture
):
    # given a lesson saved by one member, who then logs out
    member, _, lesson, context, page, _ = a_saved_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    owner = page.get_attribute("#lesson", "data-owner").split()[0]
    page.click("button:text('Log out')")
    page.wait_for_url(lambda url: "/one/" not in url)

    # when another member, whose state differs, opens the lesson on the same phone
    other = make_member("li", branch)
    lesson_progress_complete(member=other, lesson=lesson, via="online")
    fetched = page_fetches(page, lesson)
    sign_in(page, live_server, username="li", next_url=lesson.url)
    opened_saved(page)

    # then the first member's copy is left as it was, and not fetched again
    assert owner not in page.get_attribute("#lesson", "data-owner")
    copy = page.evaluate(SAVED_PAGE)
    assert f'data-owner="{owner}' in copy and 'data-complete=""' in copy
    assert fetched == ["document"]

    # when the first member, who has completed it since, opens it again
    lesson_progress_complete(member=member, lesson=lesson, via="online")
    page.click("button:text('Log out')")
    page.wait_for_url(lambda url: "/one/" not in url)
    sign_in(page, live_server, username="wang", next_url=lesson.url)
    opened_saved(page)

    # then their copy takes the server's state
    copy = page.evaluate(SAVED_PAGE)
    assert f'data-owner="{owner}' in copy and 'data-complete="1"' in copy
    context.close()


NEW_FILES = (
    '<link rel="stylesheet" href="/static/css/new.css">'
    '<script src="/static/js/new.js" defer></script></head>'
)


def on_refetch(page, lesson, answer):
    """``answer(route)`` answers the page's own fetch of the lesson (the refresh's;
    the navigation is fetched by the worker, and goes through)."""
    page.unroute(f"**{lesson.url}")
    page.route(
        f"**{lesson.url}",
        lambda route: (
            answer(route)
            if route.request.resource_type == "fetch"
            else route.continue_()
        ),
    )


def rewritten(old, new):
    """An answer: the server's page with ``old`` replaced by ``new``."""

    def answer(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace(old, new))

    return answer


def test_a_refresh_that_fails_keeps_the_saved_copy(
    browser, live_server, branch, tree, ready_lecture
):
    # given a saved lesson, completed on the server since
    member, _, lesson, context, page, _ = a_saved_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    cached, listed = set(page.evaluate(CACHED)), page.evaluate(LISTED)
    lesson_progress_complete(member=member, lesson=lesson, via="online")

    def open_online():
        page.reload()
        opened_saved(page)
        assert page.get_attribute("#lesson", "data-complete") == "1"  # the server's

    def kept():
        return (
            'data-complete=""' in page.evaluate(SAVED_PAGE)
            and set(page.evaluate(CACHED)) == cached
            and page.evaluate(LISTED) == listed
            and page.is_visible("#remove-offline")
        )

    # when the member opens it online, and the line drops as the page is fetched
    # again
    on_refetch(page, lesson, lambda route: route.abort())
    open_online()

    # then the saved copy, its files and the list are as they were
    assert kept()

    # when the lesson's lecture is another one since (its file is not saved)
    on_refetch(page, lesson, rewritten(str(ready_lecture.uuid), str(uuid.uuid4())))
    open_online()

    # then the saved copy, which plays offline, stays
    assert kept()

    # given a deploy since: the page links a new stylesheet, which arrives, and a
    # new script, which does not
    on_refetch(page, lesson, rewritten("</head>", NEW_FILES))
    context.route(
        "**/static/css/new.css",
        lambda route: route.fulfill(body="p{}", content_type="text/css"),
    )
    context.route("**/static/js/new.js", lambda route: route.abort())
    requested = []
    page.on("requestfinished", lambda r: requested.append(r.url))

    # when they open it online again
    open_online()

    # then the stylesheet that came is not kept, nor anything else: the copy stays
    assert any(url.endswith("/static/css/new.css") for url in requested)
    assert kept()

    # and offline, the saved lesson opens as it was saved
    context.set_offline(True)
    page.reload()
    assert page.get_attribute("#lesson", "data-complete") == ""
    page.wait_for_selector("#remove-offline:not([hidden])")

    # when the line is good again, it takes the server's state, and lists the new
    # files with the lesson (removing it removes them)
    context.set_offline(False)
    context.unroute("**/static/js/new.js")
    context.route(
        "**/static/js/new.js",
        lambda route: route.fulfill(body="", content_type="text/javascript"),
    )
    open_online()
    assert 'data-complete="1"' in page.evaluate(SAVED_PAGE)
    files = page.evaluate(LISTED)[0]["files"]
    assert {f"{live_server.url}/static/css/new.css"} <= set(files)
    assert {f"{live_server.url}/static/js/new.js"} <= set(files)
    page.click("#remove-offline")
    page.wait_for_selector("#save-offline:not([hidden])")
    assert page.evaluate(CACHED) == []
    context.close()


def test_removing_a_lesson_while_its_page_is_fetched_again_removes_it(
    browser, live_server, branch, tree, ready_lecture
):
    # given a saved lesson, completed on the server since, opened online on a line
    # that does not answer the page's fetch
    member, _, lesson, context, page, _ = a_saved_lesson(
        browser, live_server, branch, tree, ready_lecture
    )
    lesson_progress_complete(member=member, lesson=lesson, via="online")
    held = []
    on_refetch(page, lesson, held.append)
    with page.expect_request(
        lambda r: urlsplit(r.url).path == lesson.url and r.resource_type == "fetch"
    ):
        page.reload()

    # when the member removes the lesson
    page.click("#remove-offline")

    # then it is removed at once, and the page is not stored again afterwards
    page.wait_for_selector("#save-offline:not([hidden])")
    assert page.inner_text("#offline-note") == "Removed from this phone."
    opened_saved(page)
    assert page.evaluate(CACHED) == []
    assert page.evaluate("localStorage.getItem('satchel-offline')") == "[]"
    context.close()
