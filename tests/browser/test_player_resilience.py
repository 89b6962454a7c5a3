"""The lesson player on a phone against a live server when things go wrong: a
shared phone, a dropped line, an expired media link, a hidden page, a finished
lecture, and the cost of the first load."""

import re
import time

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from courses.models import LessonProgress, ProgressEvent
from courses.owners import progress_owner
from courses.services import study_preference_set
from tests.browsing import phone_session, switch_language, wait_for
from tests.courses.conftest import lecture_body, make_member, make_organisation
from tests.factories import make_lesson

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wagtail_tree"),
]

NO_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""
PLAYBACK = {"native": None, "hls.js": NO_NATIVE_HLS}
PROGRESS = re.compile(r"/api/v1/progress/")
QUEUED = """new Promise(ok => { const r = indexedDB.open('satchel-progress', 1);
  r.onsuccess = () => { const q = r.result.transaction('events')
    .objectStore('events').getAll(); q.onsuccess = () => ok(q.result); }; })"""
VIDEO = "document.getElementById('video')"


def reading(course, slug="read", **fields):
    lesson = make_lesson(course, slug=slug, body=[("text", "<p>阅读。</p>")])
    for name, value in fields.items():
        setattr(lesson, name, value)
    # A quiz rule without a quiz block is refused by LessonPage.clean; the player
    # only reads the rule, which is what these tests are about.
    lesson.save(clean=False)
    return lesson


def on_a_clock(browser, live_server, lesson):
    """``wang`` on ``lesson`` with the page's clock under the test's control."""
    context, page, requests = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector("#lesson", state="attached")
    page.clock.install()
    page.reload()
    page.wait_for_load_state("networkidle")
    return context, page, requests


def events_of(member, lesson):
    return set(
        ProgressEvent.objects.filter(
            progress__member=member, progress__lesson=lesson
        ).values_list("client_id", flat=True)
    )


def wang_on_a_lecture(branch, tree, lecture, *, quality=None):
    """The member "wang" (with a saved quality, if given) and a lesson holding
    ``lecture``: what most tests here start from."""
    member = make_member("wang", branch)
    if quality:
        study_preference_set(member=member, quality=quality)
    _, course = tree
    return member, make_lesson(course, slug="one", body=lecture_body(lecture))


def log_out(page):
    with page.expect_navigation():
        page.click("header form button[type=submit]")


def log_in(page, live_server, username, next_url):
    from tests.factories import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def study_offline(browser, live_server, username: str, lesson):
    """A member signed in on a phone who opens ``lesson`` while the progress API
    cannot be reached: (context, page, the events the player queued)."""
    context, page, _ = phone_session(
        browser, live_server, username=username, next_url="/"
    )
    page.wait_for_url(f"{live_server.url}/")
    context.route(PROGRESS, lambda route: route.abort())
    page.goto(f"{live_server.url}{lesson.url}")
    queued = wait_for(lambda: page.evaluate(QUEUED), message="queued events")
    return context, page, queued


def test_queued_events_are_only_sent_under_the_session_of_who_recorded_them(
    browser, live_server, branch, tree
):
    # given two members who study on one phone, and a lesson to read
    pending = make_member("member_pending", branch)
    shanghai = make_member("member_shanghai", branch)
    _, course = tree
    lesson = reading(course)

    # when the first studies while the server cannot be reached, then logs out
    context, page, theirs = study_offline(
        browser, live_server, "member_pending", lesson
    )
    log_out(page)
    context.unroute(PROGRESS)

    # and the second logs in on the same phone and studies the same lesson
    with page.expect_response(PROGRESS) as sent:
        log_in(page, live_server, "member_shanghai", lesson.url)
    assert sent.value.status == 200

    # then only the second member's own events were sent under their session
    time.sleep(1)
    queued = page.evaluate(QUEUED)
    mine = events_of(shanghai, lesson)
    assert mine
    assert not mine & {event["id"] for event in theirs}
    assert {event["id"] for event in theirs} <= {event["id"] for event in queued}
    assert not events_of(pending, lesson)
    assert {e["owner"] for e in queued if e["id"] in mine} <= {
        progress_owner(shanghai.user.pk)
    }

    # when the first member logs in again on this phone
    log_out(page)
    log_in(page, live_server, "member_pending", lesson.url)

    # then their queued events arrive, credited to them
    wait_for(
        lambda: {event["id"] for event in theirs} <= events_of(pending, lesson),
        message="the first member's queued events",
    )
    assert not events_of(shanghai, lesson) & {event["id"] for event in theirs}
    context.close()


def test_events_queued_before_a_key_rotation_are_sent_after_it(
    browser, live_server, branch, tree, settings
):
    # given a member who studied while the server could not be reached, under the
    # site's old key
    old, new = "old-key-" + "x" * 50, "new-key-" + "y" * 50
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old, []
    member = make_member("member_pending", branch)
    _, course = tree
    lesson = reading(course)
    context, page, queued = study_offline(
        browser, live_server, "member_pending", lesson
    )
    context.unroute(PROGRESS)

    # when the site's key is rotated (the old one kept as a fallback) and the
    # member opens the lesson again
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new, [old]
    page.goto(f"{live_server.url}{lesson.url}")

    # then the player sends the events it queued under the old key, credited to them
    wait_for(
        lambda: {event["id"] for event in queued} <= events_of(member, lesson),
        message="the events queued before the rotation",
    )
    context.close()


def test_logging_out_sends_the_members_queued_events_first(
    browser, live_server, branch, tree
):
    # given a member whose events of an earlier page could not be sent
    member = make_member("wang", branch)
    _, course = tree
    first, second = reading(course, slug="first"), reading(course, slug="second")
    context, page, queued = study_offline(browser, live_server, "wang", first)
    page.goto(f"{live_server.url}{second.url}")
    page.wait_for_load_state("networkidle")
    context.unroute(PROGRESS)

    # when they log out
    log_out(page)

    # then what was queued reached the server under their own session
    assert {event["id"] for event in queued} <= events_of(member, first)
    context.close()


def play_past(page, seconds: float, timeout=20000) -> None:
    page.wait_for_function(f"{VIDEO}.currentTime > {seconds}", timeout=timeout)


def message(page) -> str:
    return page.evaluate(
        "(() => { const m = document.getElementById('player-message');"
        " return m.hidden ? '' : m.textContent; })()"
    )


def test_a_dropped_line_is_retried_and_playback_goes_on(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member on "Data saver" playing a lecture (Chromium's native HLS)
    member, lesson = wang_on_a_lecture(
        branch, tree, ready_lecture, quality="data_saver"
    )
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector("#play")
    page.click("#play")
    play_past(page, 2)

    # when the line drops for a few seconds
    context.set_offline(True)
    page.wait_for_function(
        "!document.getElementById('player-message').hidden", timeout=20000
    )
    with translation.override("en"):
        assert message(page) == "Connection lost. Retrying…"
    stopped = page.evaluate(f"{VIDEO}.currentTime")
    assert page.is_visible("#play")
    time.sleep(2)
    context.set_offline(False)

    # then playback goes on from where it stopped, and the message goes away
    play_past(page, stopped + 2, timeout=30000)
    assert message(page) == ""
    assert not page.is_visible("#play")
    assert page.evaluate(f"!{VIDEO}.error && !{VIDEO}.paused")
    # and what was played before the drop is on the server
    with page.expect_response(lambda r: r.url.endswith("/api/v1/progress/")):
        page.evaluate(f"{VIDEO}.pause()")
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.watched[0][0] < 1 and progress.watched[-1][1] >= stopped + 1.5
    context.close()


def test_hls_js_retries_a_playlist_it_could_not_load(
    browser, live_server, branch, tree, ready_lecture
):
    # given a phone that plays HLS by hls.js, and a server it cannot reach at first
    member, lesson = wang_on_a_lecture(
        branch, tree, ready_lecture, quality="data_saver"
    )
    context, page, requests = phone_session(
        browser,
        live_server,
        username="wang",
        next_url=lesson.url,
        script=NO_NATIVE_HLS,
    )
    page.wait_for_selector("#play")
    context.route(re.compile(r"\.(m3u8|m4s)$"), lambda route: route.abort())

    # when they press play
    page.click("#play")

    # then they are told, and once the line is back it plays
    page.wait_for_function(
        "!document.getElementById('player-message').hidden", timeout=20000
    )
    with translation.override("en"):
        assert message(page) == "Connection lost. Retrying…"
    context.unroute(re.compile(r"\.(m3u8|m4s)$"))
    play_past(page, 2, timeout=30000)
    assert message(page) == ""
    assert any("/vendor/hls" in url for url in requests)

    # and while it plays what it has buffered, a dropped line does not stop it
    page.wait_for_function(
        f"{VIDEO}.buffered.length && {VIDEO}.buffered.end(0) > {VIDEO}.currentTime + 6",
        timeout=20000,
    )
    context.set_offline(True)
    at = page.evaluate(f"{VIDEO}.currentTime")
    play_past(page, at + 3)
    context.set_offline(False)
    assert page.evaluate(f"!{VIDEO}.paused")
    context.close()


@pytest.mark.parametrize("playback", PLAYBACK)
def test_an_expired_media_link_says_to_reload_the_page(
    playback, browser, live_server, branch, tree, ready_lecture, settings
):
    # given a lesson page whose signed media links expire while it is open
    _, lesson = wang_on_a_lecture(branch, tree, ready_lecture)
    settings.SATCHEL_MEDIA_URL_TTL = 3
    context, page, _ = phone_session(
        browser,
        live_server,
        username="wang",
        next_url=lesson.url,
        script=PLAYBACK[playback],
    )
    page.wait_for_selector("#play")
    time.sleep(4)

    # when the member presses play
    page.click("#play")

    # then the player says what happened and what to do
    page.wait_for_function(
        "!document.getElementById('player-message').hidden", timeout=20000
    )
    with translation.override("en"):
        assert message(page) == "This link has expired. Reload the page to continue."
    assert page.is_visible("#play")

    # and the play button brings a new page with new links
    settings.SATCHEL_MEDIA_URL_TTL = 3600
    with page.expect_navigation():
        page.click("#play")
    page.click("#play")
    play_past(page, 1)
    context.close()


HIDE = """(state => { Object.defineProperty(document, 'visibilityState',
  { value: state, configurable: true });
  document.dispatchEvent(new Event('visibilitychange')); })"""


def test_reports_go_on_after_the_page_was_hidden_and_shown_during_playback(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member playing a lecture, with the page's timers under the test's clock
    _, lesson = wang_on_a_lecture(branch, tree, ready_lecture)
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector("#play")
    page.clock.install()
    page.reload()
    page.click("#play")
    play_past(page, 1)

    # when the page is hidden and shown again while it plays
    page.evaluate(HIDE, "hidden")
    page.evaluate(HIDE, "visible")

    # then the 15 s report still comes
    with page.expect_request(
        lambda r: r.url.endswith("/api/v1/progress/"), timeout=5000
    ):
        page.clock.run_for(15500)
    context.close()


def test_a_report_the_server_failed_is_sent_again_while_the_player_is_paused(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member who plays a lecture and pauses it, when the server fails the
    # report that the pause sends (a 500, as a restarting server gives)
    member, lesson = wang_on_a_lecture(branch, tree, ready_lecture)
    context, page, _ = on_a_clock(browser, live_server, lesson)
    answers = []

    def fail_once(route):
        answers.append(500 if not answers else 200)
        if answers[-1] == 500:
            route.fulfill(status=500, body="")
        else:
            route.continue_()

    context.route(PROGRESS, fail_once)
    page.click("#play")
    play_past(page, 1)
    with page.expect_response(PROGRESS) as failed:
        page.evaluate(f"{VIDEO}.pause()")
    assert failed.value.status == 500

    # when half a minute passes with the player still paused
    with page.expect_response(PROGRESS) as sent:
        page.clock.run_for(31000)

    # then the report goes again and every event played reaches the server
    assert sent.value.status == 200
    queued = wait_for(
        lambda: page.evaluate(QUEUED) == [] and True,
        message="the phone's queue emptied",
        detail=lambda: page.evaluate(QUEUED),
    )
    assert queued
    assert events_of(member, lesson)
    context.close()


def test_a_quiz_lesson_sends_no_reading_heartbeats(browser, live_server, branch, tree):
    # given a lesson completed by its quiz, with nothing to watch
    make_member("wang", branch)
    _, course = tree
    lesson = reading(course, slug="quiz", completion_rule="quiz")
    context, page, requests = on_a_clock(browser, live_server, lesson)
    opened = [url for url in requests if PROGRESS.search(url)]

    # when the member stays on it for a minute
    page.clock.run_for(61000)
    page.wait_for_timeout(1500)  # (Playwright reports requests while it waits)

    # then nothing more is reported than the visit itself
    assert [url for url in requests if PROGRESS.search(url)] == opened
    context.close()


def test_a_finished_lecture_offers_to_play_again_from_the_start(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member who watched a lecture to its end
    member, lesson = wang_on_a_lecture(branch, tree, ready_lecture)
    LessonProgress.objects.create(
        member=member,
        lesson=lesson,
        position=ready_lecture.duration,
        status="in_progress",
    )

    # when they open the lesson and press the button
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector("#play")
    label = page.inner_text("#play")
    line = page.inner_text(".player .muted")
    page.click("#play")
    page.wait_for_function(f"{VIDEO}.currentTime > 0.5", timeout=20000)

    # then the page said so and it plays from the start
    assert "Play again" in label and "Continue" not in label
    assert "plays again from the start" in line and "resumes" not in line
    assert page.evaluate(f"{VIDEO}.currentTime") < 5
    context.close()


def sizes_shown(page):
    shown = {}
    for key in ("auto", "data_saver", "audio"):
        page.check(f"input[value={key}]")
        shown[key] = page.inner_text("#size")
    return shown


def test_sizes_are_formatted_one_way_before_and_after_a_quality_change(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member on a phone that plays Opus
    _, lesson = wang_on_a_lecture(branch, tree, ready_lecture)
    sizes = {r.profile: r.bytes for r in ready_lecture.renditions.all()}
    videos = sorted(
        (r for r in ready_lecture.renditions.all() if r.profile.endswith("p")),
        key=lambda r: r.height,
    )
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector("#play")
    first = page.inner_text("#size")

    # when they go through the choices
    shown = sizes_shown(page)

    # then every size reads as the server writes it (KB under 1 MB)
    with translation.override("en"):
        expected = {
            "auto": filesizeformat(videos[-1].bytes + sizes["audio"]),
            "data_saver": filesizeformat(videos[0].bytes + sizes["audio"]),
            "audio": filesizeformat(sizes["listen"]),
        }
    assert shown == expected
    assert first == expected["auto"]
    assert all(size.endswith("KB") for size in shown.values() if "MB" not in size)
    context.close()


def resources(page):
    return page.evaluate(
        "(() => { const nav = performance.getEntriesByType('navigation')[0];"
        " return { load: nav.loadEventStart, got: performance"
        ".getEntriesByType('resource').map(r => [r.name, r.startTime]) }; })()"
    )


@pytest.mark.parametrize("quality", ["data_saver", "audio"])
def test_the_poster_waits_for_the_page_on_data_saver_and_never_loads_for_audio(
    quality, browser, live_server, branch, tree, ready_lecture
):
    # given a member whose saved choice saves data
    member, lesson = wang_on_a_lecture(branch, tree, ready_lecture, quality=quality)

    # when they open the lesson
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    page.wait_for_selector("#play")
    page.wait_for_load_state("networkidle")
    time.sleep(0.5)
    seen = resources(page)
    posters = [start for name, start in seen["got"] if "poster" in name]

    # then the poster is not part of the cold load: after it on data saver, never
    # for audio only
    if quality == "audio":
        assert posters == []
    else:
        assert len(posters) == 1 and posters[0] >= seen["load"]
    context.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_my_organisations_fits_a_phone_screen(language, browser, live_server, branch):
    from members.services.registration import (
        registration_decline,
        registration_request,
    )
    from tests.factories import make_user

    # given a member with a declined registration and a long reason
    member = make_member("wang", branch)
    other = make_organisation(
        "Shanghai Pudong New Area Second Branch", code="SH-PD-2", parent=branch
    )
    registration = registration_request(member=member, organisation=other)
    registration_decline(
        registration=registration,
        decided_by=make_user("organiser"),
        reason="Please register with the organisation of the district where you "
        "now live; this branch only takes members working in Zhangjiang.",
    )

    # when they open "My organisations" on a 360 px screen
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url="/me/organisations/"
    )
    switch_language(page, language)
    page.wait_for_selector("table")

    # then nothing scrolls sideways and every cell is on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('td')]"
        ".map(c => c.getBoundingClientRect().right))"
    )
    assert right <= 360
    context.close()


def test_a_reader_whose_session_ended_is_told_and_keeps_the_progress(
    browser, live_server, branch, tree
):
    # given a member reading a lesson whose session then ends (cookie gone)
    member = make_member("wang", branch)
    _, course = tree
    lesson = reading(course)
    context, page, _ = on_a_clock(browser, live_server, lesson)
    context.clear_cookies()

    # when the next report is refused
    with page.expect_response(PROGRESS) as refused:
        page.clock.run_for(15500)

    # then the page says so in words and the events wait on the phone
    assert refused.value.status == 403
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('signed out')"
    )
    queued = {event["id"] for event in page.evaluate(QUEUED)}
    assert queued and not queued & events_of(member, lesson)
    context.close()


def test_reloading_during_playback_resumes_where_it_stopped_before_the_beacon_lands(
    browser, live_server, branch, tree, ready_lecture
):
    # given a member playing a lecture whose reports do not reach the server yet
    member, lesson = wang_on_a_lecture(branch, tree, ready_lecture)
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    context.route(PROGRESS, lambda route: route.abort())
    page.wait_for_selector("#play")
    page.click("#play")
    play_past(page, 3)

    # when they reload the page halfway through the first report's interval
    stopped = page.evaluate(f"{VIDEO}.currentTime")
    page.reload()
    page.wait_for_selector("#play")
    label = page.inner_text("#play")
    page.click("#play")
    page.wait_for_function(f"{VIDEO}.currentTime > 0.5", timeout=20000)

    # then the phone remembered the position: it goes on from there, not from 0
    assert "Continue" in label
    assert page.evaluate(f"{VIDEO}.currentTime") >= stopped - 0.5
    context.close()
