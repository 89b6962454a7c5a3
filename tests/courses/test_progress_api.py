import datetime as dt
import json
import threading

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from courses.models import (
    CompletedVia,
    LessonProgress,
    ProgressEvent,
    ProgressStatus,
    StudyPreference,
)
from tests.courses.conftest import (
    event,
    lecture_body,
    make_lecture,
    make_member,
    post_progress,
)
from tests.factories import make_lesson, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/progress/"


def watch(lesson, now, *, seconds, session="s1", step=15, start=0):
    """Events as the player sends them while playing ``seconds`` from ``start``."""
    events = [event(lesson, at=now, position=start, session=session)]
    for t in range(step, seconds + 1, step):
        events.append(
            event(
                lesson,
                at=now + dt.timedelta(seconds=t),
                position=start + t,
                played=[(start, start + t)],
                session=session,
            )
        )
    return events


def test_a_batch_is_stored_as_the_played_range_and_position(
    client, member, video_lesson, now
):
    client.force_login(member.user)

    response = post_progress(client, watch(video_lesson, now, seconds=60))

    assert response.status_code == 200
    body = response.json()
    assert body["received"] == 5
    assert body["progress"][0]["position"] == 60
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.watched == [[0, 60]]
    assert progress.seconds_watched == 60
    assert progress.status == ProgressStatus.IN_PROGRESS
    assert progress.started_at == now


def test_resending_the_same_batch_changes_nothing(client, member, video_lesson, now):
    client.force_login(member.user)
    batch = watch(video_lesson, now, seconds=60)
    post_progress(client, batch)

    response = post_progress(client, list(reversed(batch)) + batch)

    assert response.status_code == 200
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.seconds_watched == 60
    assert ProgressEvent.objects.filter(progress=progress).count() == 5


def test_seeking_to_the_end_does_not_complete_the_lesson(
    client, member, video_lesson, now
):
    # given a member who played 30 s and then dragged the playhead to the end
    client.force_login(member.user)
    events = watch(video_lesson, now, seconds=30)
    events.append(
        event(
            video_lesson,
            at=now + dt.timedelta(seconds=31),
            position=600,
            played=[(0, 30), (599, 600)],
        )
    )

    # when the batch arrives
    response = post_progress(client, events)

    # then only what was played counts
    assert response.json()["progress"][0]["status"] == "in_progress"
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.seconds_watched == 31
    assert progress.completed_at is None


def test_claiming_the_whole_lecture_within_a_minute_is_not_credited(
    client, member, video_lesson, now
):
    client.force_login(member.user)
    events = [
        event(video_lesson, at=now, position=0),
        event(
            video_lesson,
            at=now + dt.timedelta(seconds=60),
            position=600,
            played=[(0, 600)],
        ),
    ]

    post_progress(client, events)

    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.seconds_watched == 130  # 2x the 60 s spanned + 10 s allowance
    assert progress.status == ProgressStatus.IN_PROGRESS


def test_sessions_invented_at_one_moment_do_not_complete_a_lecture(
    client, member, tree, now
):
    # given a 30 s lecture
    _, course = tree
    short = make_lesson(
        course,
        title="短课",
        slug="short",
        body=lecture_body(make_lecture(duration=30.0)),
    )
    client.force_login(member.user)

    # when one request claims it whole three times at the same instant, each time
    # under a made-up playback session
    response = post_progress(
        client,
        [
            event(short, at=now, position=30, played=[(0, 30)], session=f"forged-{n}")
            for n in range(3)
        ],
    )

    # then the sessions share one allowance: no wall time, no lecture
    row = response.json()["progress"][0]
    assert row["status"] == "in_progress"
    assert row["seconds_watched"] == 10


def test_two_sessions_one_after_the_other_each_count_in_full(
    client, member, video_lesson, now
):
    # given two page loads an hour apart, each claiming more than it spans
    client.force_login(member.user)
    page_loads = [
        ("a", now, (0, 200)),
        ("b", now + dt.timedelta(hours=1), (200, 400)),
    ]
    for session, at, part in page_loads:
        post_progress(
            client,
            [
                event(video_lesson, at=at, position=part[0], session=session),
                event(
                    video_lesson,
                    at=at + dt.timedelta(seconds=60),
                    position=part[1],
                    played=[part],
                    session=session,
                ),
            ],
        )

    # then each is capped on its own, as if the other did not exist
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.seconds_watched == 2 * 130


def test_a_lecture_watched_over_two_page_loads_completes(
    client, member, video_lesson, now
):
    client.force_login(member.user)
    later = now + dt.timedelta(minutes=10)

    post_progress(client, watch(video_lesson, now, seconds=300, session="a"))
    response = post_progress(
        client, watch(video_lesson, later, seconds=255, start=300, session="b")
    )

    row = response.json()["progress"][0]
    assert row["seconds_watched"] == 555
    assert row["status"] == "completed"


def test_a_reading_lesson_open_in_two_tabs_counts_the_time_once(
    client, member, reading_lesson, now
):
    # given a member reading for 40 s with the lesson open in two tabs
    client.force_login(member.user)
    events = [
        event(reading_lesson, at=now + dt.timedelta(seconds=s), position=0, session=tab)
        for tab in ("tab-1", "tab-2")
        for s in (0, 15, 30, 40)
    ]

    response = post_progress(client, events)

    # then 40 s were read, not 80: the 60 s the lesson asks for are not met
    row = response.json()["progress"][0]
    assert row["seconds_watched"] == 40
    assert row["status"] == "in_progress"


def test_watching_ninety_percent_completes_and_credits_hours(
    client, member, video_lesson, now
):
    client.force_login(member.user)

    response = post_progress(client, watch(video_lesson, now, seconds=540))

    row = response.json()["progress"][0]
    assert row["status"] == "completed"
    assert row["completed_via"] == CompletedVia.ONLINE
    # a 10-minute lecture rounds up to a quarter of an hour
    assert row["hours_credited"] == "0.25"


def test_late_and_reordered_batches_never_undo_completion(
    client, member, video_lesson, now
):
    # given a completed lesson
    client.force_login(member.user)
    batch = watch(video_lesson, now, seconds=600)
    post_progress(client, batch[len(batch) // 2 :])
    post_progress(client, batch[: len(batch) // 2])
    completed = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert completed.status == ProgressStatus.COMPLETED

    # when an old batch from another phone arrives late
    late = watch(video_lesson, now - dt.timedelta(days=2), seconds=30, session="old")
    post_progress(client, late)

    # then completion, credit and position stand
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.status == ProgressStatus.COMPLETED
    assert progress.completed_at == completed.completed_at
    assert progress.seconds_watched == 600
    assert progress.position == 600


def test_events_queued_offline_complete_as_offline_sync(
    client, member, video_lesson, now
):
    # given a lecture watched on a train yesterday, with no connection
    client.force_login(member.user)
    studied = now - dt.timedelta(days=1)
    events = watch(video_lesson, studied, seconds=600)
    for item in events:
        item["offline"] = True

    # when the phone finds a connection today
    response = post_progress(client, events)

    # then it is complete as of the study, not of the sync: the week's and the
    # year's counts are the study's
    assert response.json()["progress"][0]["completed_via"] == "offline_sync"
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.completed_at == studied + dt.timedelta(seconds=600)


def test_one_batch_can_carry_several_lessons(
    client, member, video_lesson, reading_lesson, now
):
    client.force_login(member.user)
    events = watch(video_lesson, now, seconds=30) + [
        event(reading_lesson, at=now + dt.timedelta(seconds=s), position=0)
        for s in (0, 30, 61)
    ]

    response = post_progress(client, events)

    by_lesson = {row["lesson"]: row for row in response.json()["progress"]}
    assert by_lesson[video_lesson.pk]["seconds_watched"] == 30
    assert by_lesson[reading_lesson.pk]["seconds_watched"] == 61
    assert by_lesson[reading_lesson.pk]["status"] == "completed"


def test_invalid_events_get_a_400_per_event_and_nothing_is_stored(
    client, member, video_lesson, now
):
    client.force_login(member.user)
    good = event(video_lesson, at=now, position=1, played=[(0, 1)])
    future = event(video_lesson, at=now + dt.timedelta(days=1), position=1)
    backwards = event(video_lesson, at=now, position=1, played=[(10, 2)])

    response = post_progress(client, [good, future, backwards])

    # errors are keyed by the event's index in the batch
    assert response.status_code == 400
    errors = response.json()["events"]
    assert set(errors) == {"1", "2"}
    assert "future" in errors["1"]["at"][0]
    assert errors["2"]["played"]
    assert not LessonProgress.objects.exists()


def test_an_event_for_an_unknown_lesson_is_named_in_the_400(
    client, member, video_lesson, now
):
    client.force_login(member.user)
    good = event(video_lesson, at=now, position=1, played=[(0, 1)])
    missing_lesson = {**event(video_lesson, at=now, position=1), "lesson": 999999}

    response = post_progress(client, [good, missing_lesson])

    assert response.status_code == 400
    assert list(response.json()["events"]) == ["1"]
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"events": []}, {"events": "nope"}, {"events": [{"id": "x"}]}, []],
)
def test_malformed_bodies_are_400_not_500(client, member, video_lesson, body):
    client.force_login(member.user)

    response = client.post(URL, body, content_type="application/json")

    assert response.status_code == 400


def test_unpublished_lesson_is_refused(client, member, video_lesson, now):
    client.force_login(member.user)
    video_lesson.unpublish()

    response = post_progress(client, [event(video_lesson, at=now, position=0)])

    assert response.status_code == 400


def test_anonymous_requests_are_refused(client, video_lesson, now):
    response = post_progress(client, [event(video_lesson, at=now, position=0)])

    assert response.status_code == 403


def test_an_account_without_member_profile_gets_a_clear_400(client, video_lesson, now):
    client.force_login(make_user("editor"))

    response = client.post(
        URL,
        {"events": [event(video_lesson, at=now, position=0)]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "Only members" in response.json()["detail"]


def test_a_member_only_ever_writes_their_own_progress(
    client, member, branch, video_lesson, now
):
    other = make_member("li", branch)
    client.force_login(other.user)

    post_progress(client, watch(video_lesson, now, seconds=30))

    assert not LessonProgress.objects.filter(member=member).exists()
    assert LessonProgress.objects.get(member=other).seconds_watched == 30


def test_json_posts_need_the_csrf_header(member, video_lesson, now):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)

    response = post_progress(client, [event(video_lesson, at=now, position=0)])

    assert response.status_code == 403


def test_beacon_carries_the_csrf_token_in_its_body(member, video_lesson, now):
    # given a member's browser with the CSRF cookie of the lesson page
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    client.get(video_lesson.url)
    token = client.cookies["csrftoken"].value

    # when the page is hidden and sends a beacon (multipart form, no headers)
    response = client.post(
        reverse("progress-beacon"),
        {
            "csrfmiddlewaretoken": token,
            "batch": json.dumps({"events": watch(video_lesson, now, seconds=30)}),
        },
    )

    # then the events are recorded
    assert response.status_code == 200
    assert LessonProgress.objects.get(member=member).seconds_watched == 30


def test_beacon_with_a_broken_batch_is_a_400(client, member, video_lesson):
    client.force_login(member.user)

    response = client.post(reverse("progress-beacon"), {"batch": "{not json"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "The batch must be a JSON object."),
        ("zh-hans", "批量数据必须是 JSON 对象。"),
        ("zh-hant", "批量數據必須是 JSON 對象。"),
    ],
)
def test_beacon_with_the_batch_sent_as_a_file_is_a_400(
    client, member, video_lesson, now, language, message
):
    # a FormData holding a Blob sends a file part, not a field: this was a 500
    client.force_login(member.user)
    body = json.dumps({"events": watch(video_lesson, now, seconds=30)}).encode()

    response = client.post(
        reverse("progress-beacon"),
        {"batch": SimpleUploadedFile("batch.json", body, "application/json")},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.json() == {"batch": [message]}
    assert not ProgressEvent.objects.exists()


def test_progress_endpoints_are_in_the_openapi_schema(client, member):
    client.force_login(member.user)

    schema = client.get("/api/v1/schema/?format=json").json()

    assert "/api/v1/progress/" in schema["paths"]
    assert "400" in schema["paths"]["/api/v1/progress/"]["post"]["responses"]
    assert "/api/v1/progress/beacon/" in schema["paths"]


def test_quality_preference_is_remembered_for_the_member(client, member):
    client.force_login(member.user)

    ok = client.put(
        "/api/v1/study-preference/",
        {"quality": "audio"},
        content_type="application/json",
    )
    bad = client.put(
        "/api/v1/study-preference/",
        {"quality": "8k"},
        content_type="application/json",
    )

    assert ok.status_code == 200
    assert bad.status_code == 400
    assert member.study_preference.quality == "audio"


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="row locks are exercised on PostgreSQL (DATABASE_URL=postgres://...)",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("wagtail_tree")
def test_two_batches_at_once_for_one_lesson_both_count(member, video_lesson, now):
    # given two phones each sending a different part of the lecture at the same time
    first = watch(video_lesson, now, seconds=120, session="phone-a")
    second = watch(
        video_lesson,
        now + dt.timedelta(seconds=200),
        seconds=120,
        start=300,
        session="phone-b",
    )
    barrier = threading.Barrier(2)
    statuses = []

    def send(events):
        client = Client()
        client.force_login(member.user)
        barrier.wait()
        statuses.append(post_progress(client, events).status_code)
        connection.close()

    # when both arrive concurrently
    threads = [threading.Thread(target=send, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then neither update is lost
    assert statuses == [200, 200]
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.watched == [[0, 120], [300, 420]]
    assert progress.seconds_watched == 240
    assert ProgressEvent.objects.filter(progress=progress).count() == 18


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers are exercised on PostgreSQL (DATABASE_URL=postgres://...)",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("wagtail_tree")
def test_heartbeats_racing_on_a_started_lesson_all_count(member, video_lesson, now):
    # given a lesson the member has started, and four phones sending heartbeats
    # for different parts of it at the same moment, eight rounds in a row
    client = Client()
    client.force_login(member.user)
    assert (
        post_progress(client, watch(video_lesson, now, seconds=15)).status_code == 200
    )
    phones = range(4)
    rounds = range(8)
    barrier = threading.Barrier(len(phones))
    statuses = []

    def heartbeats(phone):
        client = Client()
        client.force_login(member.user)
        for round_ in rounds:
            start = 18 * (phone * len(rounds) + round_)  # within the 600 s
            at = now + dt.timedelta(seconds=start + 10)
            barrier.wait()
            statuses.append(
                post_progress(
                    client,
                    [
                        event(
                            video_lesson,
                            at=at,
                            position=start + 10,
                            played=[(start, start + 10)],
                            session=f"phone-{phone}",
                        )
                    ],
                ).status_code
            )
        connection.close()

    # when they all arrive together (each conditional UPDATE may lose the race)
    threads = [threading.Thread(target=heartbeats, args=(p,)) for p in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every range is merged, none is lost, and every event is stored once
    assert statuses == [200] * (len(phones) * len(rounds))
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    expected = [[0, 15]] + [
        [18 * n, 18 * n + 10] for n in range(1, len(phones) * len(rounds))
    ]
    assert progress.watched == expected
    assert progress.version == 1 + len(phones) * len(rounds)
    assert ProgressEvent.objects.filter(progress=progress).count() == 2 + len(
        phones
    ) * len(rounds)


def test_a_heartbeat_on_a_started_lesson_is_one_read_and_one_write(
    client, member, video_lesson, now, django_assert_num_queries
):
    # given a lesson the member has started
    client.force_login(member.user)
    assert (
        post_progress(client, watch(video_lesson, now, seconds=30)).status_code == 200
    )

    # when the next heartbeat arrives, then: session, user, one SELECT of the
    # lesson, its lecture, the member and the progress row, and one write of the
    # events and the merged row (two statements on SQLite); no transaction, no
    # lock, no roll-up (docs/progress.md)
    postgres = connection.vendor == "postgresql"
    later = now + dt.timedelta(seconds=45)
    heartbeat = [event(video_lesson, at=later, position=45, played=[(0, 45)])]
    with django_assert_num_queries(4 if postgres else 5) as captured:
        response = post_progress(client, heartbeat)
    assert response.status_code == 200
    sql = [query["sql"].upper() for query in captured.captured_queries]
    assert not any("SAVEPOINT" in statement for statement in sql)
    if postgres:
        assert sql[-1].startswith("WITH") and "UPDATE" in sql[-1]
        # a heartbeat does not wait for the disk (SATCHEL_PROGRESS_ASYNC_HEARTBEATS)
        assert "SET_CONFIG('SYNCHRONOUS_COMMIT', 'OFF', TRUE)" in sql[-1]
    else:
        assert sql[-2].startswith("INSERT") and sql[-1].startswith("UPDATE")
    assert response.json()["progress"][0]["seconds_watched"] == 45


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="synchronous_commit is PostgreSQL's",
)
def test_durable_heartbeats_can_be_chosen(
    client, member, video_lesson, now, settings, django_assert_num_queries
):
    # given an operator who wants every heartbeat on disk before the answer
    settings.SATCHEL_PROGRESS_ASYNC_HEARTBEATS = False
    client.force_login(member.user)
    assert (
        post_progress(client, watch(video_lesson, now, seconds=30)).status_code == 200
    )

    # when a heartbeat arrives, then it is written with the default durability
    later = now + dt.timedelta(seconds=45)
    heartbeat = [event(video_lesson, at=later, position=45, played=[(0, 45)])]
    with django_assert_num_queries(4) as captured:
        assert post_progress(client, heartbeat).status_code == 200
    assert "SYNCHRONOUS_COMMIT" not in captured.captured_queries[-1]["sql"].upper()


def test_schema_generation_has_no_warnings_from_the_progress_api():
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator(api_version="1")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = generator.get_schema(request=None, public=True)

    components = schema["components"]["schemas"]
    assert {"ProgressBatch", "ProgressBatchResult", "StudyPreferenceInput"} <= set(
        components
    )


@pytest.mark.parametrize("seconds", [60, 1500])
def test_a_batch_costs_the_same_queries_whatever_its_size(
    client, member, video_lesson, now, seconds, django_assert_max_num_queries
):
    # given a batch of 5 or of 101 events
    client.force_login(member.user)
    events = watch(video_lesson, now, seconds=seconds)

    # when / then: session, user, lessons with their lecture + member, the progress
    # rows, lock (get or create), insert, update, plus transaction bookkeeping;
    # and, when the lesson starts
    # or completes, the report roll-ups in the same transaction (8: the member's
    # placement, the course and its lessons, its campaigns, the member's other
    # lessons, insert-missing + update of the rows at every level, the same for the
    # completion week; docs/reports.md). Heartbeats that only add seconds skip them.
    with django_assert_max_num_queries(20):
        response = post_progress(client, events)
    assert response.status_code == 200


def test_a_row_credited_under_the_summed_caps_keeps_what_its_member_was_shown(
    client, member, video_lesson, now
):
    # given a row credited before the union rule: two tabs at once counted twice
    client.force_login(member.user)
    post_progress(
        client,
        [
            event(video_lesson, at=now, position=0, played=[(0, 0)], session="a"),
            event(video_lesson, at=now, position=0, played=[(0, 0)], session="b"),
        ],
    )
    LessonProgress.objects.filter(member=member, lesson=video_lesson).update(
        watched=[[0, 120]],
        sessions={
            "a": [now.timestamp(), now.timestamp() + 30],
            "b": [now.timestamp(), now.timestamp() + 30],
        },
        seconds_watched=140,
    )

    # when the same member's next event arrives
    post_progress(
        client,
        [
            event(
                video_lesson,
                at=now + dt.timedelta(seconds=30),
                position=120,
                played=[(0, 120)],
                session="a",
            )
        ],
    )

    # then the figure does not go down (the union rule alone would give 2 x 35)
    progress = LessonProgress.objects.get(member=member, lesson=video_lesson)
    assert progress.seconds_watched == 140


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quality": "8k"}, "quality"),
        ({}, "quality"),
        ([], "non_field_errors"),
    ],
)
def test_a_refused_quality_preference_says_why_in_the_apis_error_body(
    client, member, body, field
):
    client.force_login(member.user)

    response = client.put(
        "/api/v1/study-preference/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    error = response.json()
    assert error["detail"] == "The request is not valid."
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert not StudyPreference.objects.filter(member=member).exists()
