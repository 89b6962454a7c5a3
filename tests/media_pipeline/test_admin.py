"""Editors upload, watch and retry lectures in the Wagtail admin."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Collection, GroupCollectionPermission

from media_pipeline.models import Lecture, LectureStatus
from media_pipeline.playback import lecture_playback
from tests.factories import PASSWORD, make_user


def upload(client, path: Path, *, media_type="video", title="第一讲", tags=""):
    return client.post(
        reverse("wagtailmedia:add", args=(media_type,)),
        {
            "title": title,
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
            "collection": Collection.get_first_root_node().pk,
            "tags": tags,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )


def editor_of_one_collection(client, lecture: Lecture):
    """Log in an editor whose media permissions cover only ``lecture``'s (new)
    collection."""
    root = Collection.get_first_root_node()
    theirs = root.add_child(name="本单位")
    root.add_child(name="其他单位")
    group = Group.objects.create(name="Lecture editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupCollectionPermission.objects.create(
        group=group,
        collection=theirs,
        # wagtailmedia checks its own model's permissions, whatever the media model.
        permission=Permission.objects.get(
            content_type__app_label="wagtailmedia", codename="change_media"
        ),
    )
    user = make_user("branch-editor")
    user.groups.add(group)
    lecture.collection = theirs
    lecture.save()
    client.login(username="branch-editor", password=PASSWORD)
    return user


def test_uploading_a_lecture_queues_it_and_the_worker_makes_it_ready(
    client, editor, clips, django_capture_on_commit_callbacks
):
    # given an editor on the media library's "add video" screen
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, clips["no_audio"])

    # then the job was queued after the commit and ran (immediate backend)
    assert response.status_code == 302
    assert len(callbacks) == 1
    lecture = Lecture.objects.get()
    assert lecture.status == LectureStatus.READY
    assert lecture.progress == 100
    assert (lecture.type, lecture.width, lecture.height) == ("video", 640, 360)
    assert lecture.duration == pytest.approx(3.0, abs=0.1)
    assert (lecture.has_video, lecture.has_audio, lecture.attempts) == (True, False, 1)
    assert lecture.uploaded_by_user == editor
    profiles = set(lecture.renditions.values_list("profile", flat=True))
    assert profiles == {"240p", "360p", "download", "poster", "thumbnails"}
    assert default_storage.exists(f"{lecture.output_prefix}/master.m3u8")
    assert not list(Path(default_storage.path("lectures/.work")).iterdir())
    playback = lecture_playback(lecture=lecture, user=editor)
    served = client.get(playback.master_url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"#EXTM3U")


def test_an_audio_file_uploaded_as_video_becomes_an_audio_lecture(
    client, editor, clips, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, clips["audio"], media_type="video")

    lecture = Lecture.objects.get()
    assert lecture.type == "audio"
    assert lecture.status == LectureStatus.READY
    assert set(lecture.renditions.values_list("profile", flat=True)) == {
        "audio",
        "download",
        "listen",
    }


def test_a_tag_that_cannot_be_stored_is_refused_and_nothing_is_kept(
    client, editor, clips
):
    # "ﬃ" is "ffi" in taggit's slug: 40 of them overflowed its column after the
    # lecture was saved, leaving it stored and never queued (PostgreSQL)
    response = upload(client, clips["audio"], tags="讲座, " + "ﬃ" * 40)

    assert response.status_code == 200
    assert "is too long; shorten it." in response.content.decode()
    assert not Lecture.objects.exists()


@pytest.mark.parametrize("clip", ["text", "truncated"])
def test_a_file_that_cannot_be_a_lecture_is_refused_on_the_form(
    client, editor, clips, clip
):
    response = upload(client, clips[clip])

    assert response.status_code == 200
    assert "not a video or audio file that can be read" in response.content.decode()
    assert not Lecture.objects.exists()


def test_a_picture_is_refused_on_the_form_for_what_it_is(client, editor, clips):
    response = upload(client, clips["picture"])

    assert response.status_code == 200
    page = response.content.decode()
    assert "This file is a picture, not a video or audio file." in page
    assert not Lecture.objects.exists()


def test_a_lecture_over_the_length_limit_is_refused_with_the_limit(
    client, editor, clips, settings
):
    settings.SATCHEL_LECTURE_MAX_SECONDS = 2

    response = upload(client, clips["no_audio"])

    assert response.status_code == 200
    # Shown so that the file never looks as long as the limit (not "0 minutes").
    assert "This file is 3 s long; the limit is 2 s." in response.content.decode()
    assert not Lecture.objects.exists()


def test_the_edit_screen_shows_status_and_offers_retry_for_a_failed_lecture(
    client, editor, make_ready_lecture, django_capture_on_commit_callbacks
):
    # given a lecture whose job failed
    lecture = make_ready_lecture("no_audio")
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.FAILED, error="ffmpeg exited with status 1"
    )
    edit_url = reverse("wagtailmedia:edit", args=(lecture.pk,))

    # when the editor opens it, then retries
    page = client.get(edit_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    retry_url = reverse("lecture_jobs:retry", args=(lecture.pk,))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(retry_url, {"next": edit_url})

    # then
    assert "Failed" in page
    assert "ffmpeg exited with status 1" in page
    assert retry_url in page
    assert response.status_code == 302
    assert response["Location"] == edit_url
    lecture.refresh_from_db()
    assert (lecture.status, lecture.error, lecture.attempts) == ("queued", "", 0)
    assert len(callbacks) == 1


def test_the_jobs_screen_lists_lectures_with_flat_queries(
    client, editor, make_ready_lecture, django_assert_max_num_queries
):
    for number in range(5):
        make_ready_lecture("audio", title=f"第{number}讲")
    Lecture.objects.filter(title="第1讲").update(
        status=LectureStatus.PROCESSING, progress=42
    )

    with django_assert_max_num_queries(12):
        response = client.get(reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="en")
    status = client.get(
        reverse("lecture_jobs:status"),
        {
            "ids": ",".join(
                str(pk) for pk in Lecture.objects.values_list("pk", flat=True)
            )
        },
    ).json()

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<tr data-lecture=") == 5
    assert 'value="42"' in page
    assert {row["progress"] for row in status["lectures"]} == {42, 100}


def test_the_jobs_screen_gives_lengths_as_the_messages_do(
    client, editor, make_ready_lecture
):
    make_ready_lecture("audio", title="短讲")
    Lecture.objects.filter(title="短讲").update(duration=42)
    make_ready_lecture("audio", title="长讲")
    Lecture.objects.filter(title="长讲").update(duration=900)

    english = client.get(reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "· 42 s" in english.content.decode()
    assert "· 0:15:00" in english.content.decode()
    assert "· 42 秒" in chinese.content.decode()


@pytest.mark.parametrize("ids", ["1,x", "9223372036854775808", "0", "-1", "1.5"])
def test_the_status_json_refuses_bad_ids(db, client, editor, ids):
    # (an id past 64 bits overflowed SQLite's integer: a 500 once)
    response = client.get(
        reverse("lecture_jobs:status"), {"ids": ids}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json() == {"error": "ids must be lecture ids."}


def test_editors_see_only_lectures_in_collections_they_may_change(
    client, make_ready_lecture
):
    # given an editor with media permissions on one collection only
    mine = make_ready_lecture("audio", title="本单位讲座")
    make_ready_lecture("audio", title="别人的讲座")
    editor_of_one_collection(client, mine)

    # when
    page = client.get(reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="en")
    status = client.get(
        reverse("lecture_jobs:status"),
        {
            "ids": ",".join(
                str(pk) for pk in Lecture.objects.values_list("pk", flat=True)
            )
        },
    ).json()

    # then
    assert "本单位讲座" in page.content.decode()
    assert "别人的讲座" not in page.content.decode()
    assert [row["id"] for row in status["lectures"]] == [mine.pk]


def test_members_without_media_permission_cannot_see_jobs(db, client):
    make_user("member", is_staff=False)
    client.login(username="member", password=PASSWORD)

    response = client.get(reverse("lecture_jobs:index"))
    status = client.get(reverse("lecture_jobs:status"), {"ids": "1"})

    assert response.status_code in (302, 403)
    assert status.status_code in (302, 403)


def test_the_jobs_menu_item_is_shown_only_to_media_editors(client, editor):
    page = client.get(reverse("wagtailadmin_home"), HTTP_ACCEPT_LANGUAGE="en")

    assert reverse("lecture_jobs:index") in page.content.decode()


def test_deleting_a_lecture_removes_its_transcoded_files(
    client, editor, make_ready_lecture, django_capture_on_commit_callbacks
):
    lecture = make_ready_lecture("audio")
    assert default_storage.exists(f"{lecture.output_prefix}/master.m3u8")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailmedia:delete", args=(lecture.pk,)))

    assert response.status_code == 302
    assert not Lecture.objects.exists()
    assert not default_storage.exists(f"lectures/{lecture.uuid}")


def test_lectures_appear_in_the_media_library_and_its_chooser(
    client, editor, make_ready_lecture
):
    make_ready_lecture("audio", title="音频讲座")

    library = client.get(reverse("wagtailmedia:index"), HTTP_ACCEPT_LANGUAGE="en")
    chooser = client.get(reverse("wagtailmedia:chooser"), HTTP_ACCEPT_LANGUAGE="en")

    assert library.status_code == 200
    assert "音频讲座" in library.content.decode()
    assert chooser.status_code == 200
    assert "音频讲座" in chooser.json()["html"]


def test_the_edit_screen_offers_to_transcode_an_outdated_lecture_again(
    client, editor, make_ready_lecture, django_capture_on_commit_callbacks
):
    # given a ready lecture made by an older pipeline
    lecture = make_ready_lecture("audio")
    Lecture.objects.filter(pk=lecture.pk).update(outputs_version=1)
    edit_url = reverse("wagtailmedia:edit", args=(lecture.pk,))
    refresh_url = reverse("lecture_jobs:refresh", args=(lecture.pk,))

    # when the editor opens it and presses "Transcode again", twice
    page = client.get(edit_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    current = make_ready_lecture("audio", title="新")
    current_page = client.get(
        reverse("wagtailmedia:edit", args=(current.pk,)), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            refresh_url, {"next": edit_url}, HTTP_ACCEPT_LANGUAGE="en"
        )
        again = client.post(
            refresh_url, {"next": edit_url}, HTTP_ACCEPT_LANGUAGE="en", follow=True
        )

    # then it is queued once, still playable, and the second press says why not
    assert "older version of the transcoding pipeline" in page
    assert refresh_url in page
    # no message, so no empty warning line under the status
    assert 'data-field="error" data-hide-when-empty hidden>' in page
    # an up-to-date lecture can be transcoded again too, without the explanation
    assert "older version of the transcoding pipeline" not in current_page
    assert reverse("lecture_jobs:refresh", args=(current.pk,)) in current_page
    assert response.status_code == 302
    assert response["Location"] == edit_url
    assert len(callbacks) == 1
    lecture.refresh_from_db()
    assert lecture.status == LectureStatus.QUEUED
    assert lecture_playback(lecture=lecture, user=editor) is not None
    assert "is not ready, so it cannot be transcoded again" in again.content.decode()
    assert "Members keep playing the published version" in again.content.decode()


def test_editors_transcode_again_only_their_own_outdated_lectures(
    client, make_ready_lecture, django_capture_on_commit_callbacks
):
    # given outdated lectures in the editor's collection and in another
    mine = make_ready_lecture("audio", title="本单位讲座")
    theirs = make_ready_lecture("audio", title="别人的讲座")
    Lecture.objects.update(outputs_version=1)
    editor_of_one_collection(client, mine)

    # when the editor opens the jobs screen, presses "Transcode them again", and
    # tries the other collection's lecture by its URL
    page = client.get(reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(reverse("lecture_jobs:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    with django_capture_on_commit_callbacks(execute=False):
        bulk = client.post(
            reverse("lecture_jobs:refresh_outdated"),
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
        other = client.post(reverse("lecture_jobs:refresh", args=(theirs.pk,)))

    # then
    assert 'data-outdated-count="1"' in page.content.decode()
    assert "1 lecture was made by an older version" in page.content.decode()
    assert "1 个讲座由旧版转码流程生成" in chinese.content.decode()
    assert "1 lecture is queued to be transcoded again." in bulk.content.decode()
    assert other.status_code in (302, 403)
    statuses = dict(Lecture.objects.values_list("title", "status"))
    assert statuses == {"本单位讲座": "queued", "别人的讲座": "ready"}


def test_a_failed_refresh_tells_the_editor_members_still_play_it(
    client, editor, make_ready_lecture
):
    lecture = make_ready_lecture("audio")
    Lecture.objects.filter(pk=lecture.pk).update(
        status=LectureStatus.FAILED, error_key="internal_error"
    )

    page = client.get(
        reverse("wagtailmedia:edit", args=(lecture.pk,)), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "Members still play the version published on" in page
    assert reverse("lecture_jobs:retry", args=(lecture.pk,)) in page


def test_the_media_library_and_the_chooser_show_each_lectures_status(
    client, editor, make_ready_lecture
):
    # given a ready lecture and one whose transcoding failed
    make_ready_lecture("audio", title="好讲座")
    make_ready_lecture("audio", title="坏讲座")
    Lecture.objects.filter(title="坏讲座").update(status=LectureStatus.FAILED)

    # when an editor looks at the library, and chooses a lecture for a lesson
    library = client.get(reverse("wagtailmedia:index"), HTTP_ACCEPT_LANGUAGE="en")
    chooser = client.get(reverse("wagtailmedia:chooser"), HTTP_ACCEPT_LANGUAGE="en")

    # then both say which lecture failed before it is chosen (the chooser's
    # modal comes as JSON holding its HTML)
    for page in (library.content.decode(), chooser.json()["html"]):
        assert '<td class="lecture-status" data-status="failed">' in page
        assert "Failed" in page and "Ready" in page
