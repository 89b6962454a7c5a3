"""The lesson player in Debian's Chromium on a phone-sized screen, against a live
server: resume, played ranges on the server, seeking does not complete, offline
events are delivered when the phone is back online."""

import datetime as dt
import re
import time

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from courses.models import LessonProgress, ProgressEvent
from courses.services import study_preference_set
from tests.browsing import phone_session, wait_for
from tests.courses.conftest import lecture_body, make_member
from tests.factories import make_lesson

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wagtail_tree"),
]


def progress_of(member, lesson):
    return LessonProgress.objects.filter(member=member, lesson=lesson).first()


# Debian's Chromium plays HLS natively; the other two paths are forced by hiding
# native HLS (and MediaSource) before the page's scripts run.
NO_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""
NO_MEDIA_SOURCE = (
    NO_NATIVE_HLS + "delete window.MediaSource; window.MediaSource = undefined;"
)
PLAYBACK = {"native": None, "hls.js": NO_NATIVE_HLS, "mp4": NO_MEDIA_SOURCE}


def play_past(page, seconds: float) -> None:
    """Wait until the player's position is past ``seconds``."""
    page.wait_for_function(
        f"document.getElementById('video').currentTime > {seconds}", timeout=20000
    )


def pause_and_report(page):
    """Pause the player; return the progress POST that pausing sends."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/progress/")) as sent:
        page.evaluate("document.getElementById('video').pause()")
    return sent.value


@pytest.mark.parametrize("playback", PLAYBACK)
def test_member_studies_a_lecture_on_a_phone(
    playback, browser, live_server, branch, tree, ready_lecture
):
    # given a member and a lesson with a transcoded 30 s lecture
    member = make_member("wang", branch)
    _, course = tree
    lesson = make_lesson(course, slug="one", body=lecture_body(ready_lecture))

    # when they log in and open the lesson
    context, page, requests = phone_session(
        browser,
        live_server,
        username="wang",
        next_url=lesson.url,
        script=PLAYBACK[playback],
    )
    page.wait_for_selector("#play")
    page.wait_for_load_state("networkidle")

    # then no video bytes (playlists, segments, MP4) were fetched before play
    media = [url for url in requests if "/m/" in url]
    assert all(re.search(r"poster[^/]*\.(jpg|jpeg|webp|png)$", url) for url in media), (
        media
    )
    assert not any(re.search(r"\.(m3u8|m4s|mp4|ts)(\?|$)", url) for url in requests)
    # and hls.js is fetched only once play shows it is needed
    assert not any("/vendor/hls" in url for url in requests)
    native = page.evaluate(
        "document.getElementById('video').canPlayType('application/vnd.apple.mpegurl')"
    )

    # when they press play and watch a few seconds, then pause
    page.click("#play")
    play_past(page, 4)
    assert pause_and_report(page).status == 200
    paused_at = page.evaluate("document.getElementById('video').currentTime")

    # then the server holds the played range and the position
    progress = wait_for(lambda: progress_of(member, lesson), message="progress row")
    assert progress.watched[0][0] < 1 and progress.watched[0][1] >= 4
    assert abs(progress.position - paused_at) < 0.5
    assert any(re.search(r"\.(m3u8|m4s|mp4)", url) for url in requests)
    assert any("/vendor/hls" in url for url in requests) == (playback == "hls.js")
    assert bool(native) == (playback == "native")
    if playback == "mp4":
        assert any(re.search(r"download[^/]*\.mp4", url) for url in requests)

    # when they reload the page (any device reads the same server position)
    page.reload()
    page.wait_for_selector("#play")
    resume = float(page.get_attribute("#lesson", "data-position"))
    assert abs(resume - paused_at) < 0.5
    page.click("#play")
    page.wait_for_function(
        f"document.getElementById('video').currentTime >= {resume - 0.5} && "
        "!document.getElementById('video').paused",
        timeout=20000,
    )
    page.evaluate("document.getElementById('video').pause()")

    # when they drag the playhead to the end and let it finish
    with page.expect_response(lambda r: r.url.endswith("/api/v1/progress/")):
        page.evaluate(
            "(() => { const v = document.getElementById('video');"
            " v.currentTime = v.duration - 1; v.play(); })()"
        )
        page.wait_for_function("document.getElementById('video').ended", timeout=20000)

    # then the lesson is not complete: only what was played counts
    progress = wait_for(lambda: progress_of(member, lesson))
    assert progress.status == "in_progress"
    assert progress.seconds_watched < 0.5 * ready_lecture.duration

    # when the phone goes offline and they play another part
    # (the part is buffered first: offline, the phone plays what it already has)
    page.evaluate("document.getElementById('video').currentTime = 15")
    page.wait_for_function(
        "(() => { const b = document.getElementById('video').buffered;"
        " for (let i = 0; i < b.length; i++)"
        "   if (b.start(i) <= 15.1 && b.end(i) >= 23.5) return true;"
        " return false; })()",
        timeout=20000,
    )
    page.evaluate("document.getElementById('video').play()")
    play_past(page, 15.2)
    # (offline once playing: Chromium's native HLS fails a play() started offline
    # with a demuxer error, even with the segments buffered)
    context.set_offline(True)
    time.sleep(0.5)
    before = (
        wait_for(lambda: ProgressEvent.objects.filter(progress=progress).count() + 1)
        - 1
    )
    play_past(page, 17.5)
    page.evaluate("document.getElementById('video').pause()")
    time.sleep(1)
    assert (
        wait_for(lambda: ProgressEvent.objects.filter(progress=progress).count() + 1)
        == before + 1
    )
    queued = page.evaluate(
        "new Promise(ok => { const r = indexedDB.open('satchel-progress', 1);"
        " r.onsuccess = () => { const q = r.result.transaction('events')"
        ".objectStore('events').count(); q.onsuccess = () => ok(q.result); }; })"
    )
    assert queued > 0

    # then back online, the queued events arrive with their original times
    context.set_offline(False)
    wait_for(
        lambda: ProgressEvent.objects.filter(progress=progress, offline=True).exists(),
        message="offline events delivered",
    )
    # (the queue may go in more than one request: wait for the whole part)
    wait_for(
        lambda: any(
            start <= 15.5 and end >= 17
            for start, end in progress_of(member, lesson).watched
        ),
        message="the part played offline in the watched ranges",
        detail=lambda: progress_of(member, lesson).watched,
    )
    context.close()


AUDIO_LABEL = gettext_lazy("Audio only: the picture is not downloaded.")
NO_OPUS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /opus/i.test(type) ? "" : canPlayType.call(this, type);
};
"""


@pytest.mark.parametrize("opus", [True, False], ids=["opus", "no-opus"])
def test_audio_only_plays_the_smaller_file_the_phone_can_play(
    opus, browser, live_server, branch, tree, ready_lecture
):
    # given a member who chose "audio only", and a phone that plays Opus or not
    member = make_member("li", branch)
    study_preference_set(member=member, quality="audio")
    _, course = tree
    lesson = make_lesson(course, slug="one", body=lecture_body(ready_lecture))
    sizes = {r.profile: r.bytes for r in ready_lecture.renditions.all()}

    # when they open the lesson
    context, page, requests = phone_session(
        browser,
        live_server,
        username="li",
        next_url=lesson.url,
        script=None if opus else NO_OPUS,
    )
    page.wait_for_selector("#play")

    # then the size shown before play is the size of the file it will fetch
    expected = sizes["listen"] if opus else sizes["audio"]
    assert sizes["listen"] < sizes["audio"]
    shown = page.inner_text("#size").replace("\xa0", " ")
    # the server's formatting whichever file it is (the player copies the figure)
    with translation.override("en"):
        assert shown == filesizeformat(expected).replace("\xa0", " ")
    assert not any("/m/" in url and "poster" not in url for url in requests)
    # and the dark screen says why it is dark, until another quality is chosen
    assert page.is_visible("#audio-label")
    with translation.override("en"):
        assert page.inner_text("#audio-label") == str(AUDIO_LABEL)
    page.check('input[name="quality"][value="data_saver"]')
    assert page.is_hidden("#audio-label")
    page.check('input[name="quality"][value="audio"]')
    assert page.is_visible("#audio-label")
    # and one audio-only download is offered: the Opus file where it plays, else AAC
    offered = page.eval_on_selector_all(
        ".audio-download:not([hidden]) a", "links => links.map(a => a.href)"
    )
    assert len(offered) == 1
    assert offered[0].endswith("/listen.webm" if opus else "/listen.m4a")

    # when they press play and listen a few seconds
    page.click("#play")
    play_past(page, 3)
    sent = pause_and_report(page)

    # then it played the Opus file alone, or the AAC playlist, and progress counts
    assert sent.status == 200
    media = [url for url in requests if "/m/" in url and "poster" not in url]
    if opus:
        assert media and all(url.endswith("/listen.webm") for url in media), media
    else:
        assert any(url.endswith("/audio/index.m3u8") for url in media), media
        assert not any(url.endswith("/listen.webm") for url in media)
    assert not any(re.search(r"/(240p|360p|480p)/", url) for url in media)
    progress = wait_for(lambda: progress_of(member, lesson), message="progress row")
    assert progress.watched[0][1] >= 3
    context.close()


# Seeks and plays a frame at a time: a new played range each time, as a member who
# skips around the lecture makes them.
SCATTER = """async (n) => {
  const v = document.getElementById('video');
  for (let i = 0; i < n; i++) {
    v.currentTime = 0.5 + i * 0.135;
    await new Promise(done => v.addEventListener('seeked', done, {once: true}));
    await v.play();
    await new Promise(done => v.requestVideoFrameCallback(() => done()));
    v.pause();
  }
  return v.played.length;
}"""
QUEUED = (
    "new Promise(ok => { const r = indexedDB.open('satchel-progress', 1);"
    " r.onsuccess = () => { const q = r.result.transaction('events')"
    ".objectStore('events').count(); q.onsuccess = () => ok(q.result); }; })"
)


def send_queue(page):
    """Until the page's queue is empty, send it as coming back online does (a
    flush sends 200 events; a paused player sends the rest with its next report)."""

    def sent():
        page.evaluate("window.dispatchEvent(new Event('online'))")
        return page.evaluate(QUEUED) == 0

    wait_for(sent, timeout=30, message="the queue sent")


def test_a_member_who_skips_around_a_lot_loses_no_progress(
    browser, live_server, branch, tree, ready_lecture
):
    # the server takes at most MAX_RANGES played ranges an event; the player sent
    # every range of the session, so past that each event was refused and, refused,
    # left the queue: the member's progress from then on was dropped without a word
    from courses.api import MAX_RANGES

    member = make_member("wang", branch)
    _, course = tree
    lesson = make_lesson(course, slug="one", body=lecture_body(ready_lecture))
    context, page, _ = phone_session(
        browser, live_server, username="wang", next_url=lesson.url
    )
    statuses = []
    page.on(
        "response",
        lambda r: statuses.append(r.status) if "/api/v1/progress/" in r.url else None,
    )
    page.wait_for_selector("#play")
    page.click("#play")
    play_past(page, 0.3)
    page.evaluate("document.getElementById('video').pause()")

    # when they skip around the lecture, playing a moment at each stop
    ranges = page.evaluate(SCATTER, MAX_RANGES + 5)
    assert ranges > MAX_RANGES
    send_queue(page)

    # and then play a last part and pause
    page.evaluate(
        "(() => { const v = document.getElementById('video');"
        " v.currentTime = 28.8; v.play(); })()"
    )
    play_past(page, 29.4)
    page.evaluate("document.getElementById('video').pause()")
    send_queue(page)

    # then every report was taken, and the server holds the last part and position
    assert statuses and set(statuses) == {200}, statuses
    progress = wait_for(lambda: progress_of(member, lesson))
    assert progress.position > 29.3
    assert any(start <= 28.9 and end >= 29.3 for start, end in progress.watched)
    context.close()


# The phone's wall clock 56 years behind (reset to 1970 when its battery ran out):
# Date only; timers and media run as on any phone.
CLOCK_RESET_TO_1970 = """
(() => {
  const Real = Date, error = -56 * 365 * 864e5;
  class PhoneDate extends Real {
    constructor(...args) { super(...(args.length ? args : [Real.now() + error])); }
    static now() { return Real.now() + error; }
  }
  window.Date = PhoneDate;
})();
"""


def test_a_phone_whose_clock_was_reset_still_reports_its_study(
    browser, live_server, branch, tree, ready_lecture
):
    # every event carried a 1970 time, was refused as "more than a year old", and
    # left the queue refused: the member studied and nobody ever saw it
    member = make_member("wang", branch)
    _, course = tree
    lesson = make_lesson(course, slug="one", body=lecture_body(ready_lecture))
    context, page, _ = phone_session(
        browser,
        live_server,
        username="wang",
        next_url=lesson.url,
        script=CLOCK_RESET_TO_1970,
    )
    page.wait_for_selector("#play")
    assert page.evaluate("new Date().getFullYear()") < 1975

    page.click("#play")
    play_past(page, 3)
    assert pause_and_report(page).status == 200

    progress = wait_for(lambda: progress_of(member, lesson), message="progress row")
    assert progress.watched[0][1] >= 3
    assert abs(progress.started_at - timezone.now()) < dt.timedelta(minutes=2)
    context.close()
