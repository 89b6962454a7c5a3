"""Editors who may change a lecture download its uploaded original through a
permission-checked admin view; the media library and the edit screen link there,
not to the storage URL (which nothing serves: config/public_media.py)."""

import pytest
from django.urls import reverse

from media_pipeline.models import Lecture
from tests.factories import PASSWORD, make_user
from tests.media_pipeline.test_admin import editor_of_one_collection, upload


@pytest.fixture
def uploaded(client, editor, clips, django_capture_on_commit_callbacks) -> Lecture:
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, clips["no_audio"], title="无声讲座")
    return Lecture.objects.get()


def test_an_editor_downloads_the_original_as_an_attachment(client, uploaded, clips):
    # when
    response = client.get(reverse("lecture_jobs:original", args=(uploaded.pk,)))

    # then the very bytes uploaded come back, streamed, under the upload's name
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == clips["no_audio"].read_bytes()
    assert response["Content-Disposition"] == (
        f'attachment; filename="{uploaded.filename}"'
    )
    assert uploaded.filename.startswith("silent-360p")
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(clips["no_audio"].stat().st_size)


def test_the_media_library_and_edit_screen_link_the_download_view(client, uploaded):
    download_url = reverse("lecture_jobs:original", args=(uploaded.pk,))

    library = client.get(reverse("wagtailmedia:index"), HTTP_ACCEPT_LANGUAGE="en")
    edit = client.get(
        reverse("wagtailmedia:edit", args=(uploaded.pk,)), HTTP_ACCEPT_LANGUAGE="en"
    )

    for page in (library.content.decode(), edit.content.decode()):
        assert f'href="{download_url}"' in page
        # the storage URL (which 404s) is linked nowhere
        assert uploaded.file.url not in page
    assert client.get(uploaded.file.url).status_code == 404


def test_editors_of_other_collections_and_members_cannot_download(
    client, uploaded, make_ready_lecture
):
    # given the lecture in one collection and an editor of another
    download_url = reverse("lecture_jobs:original", args=(uploaded.pk,))
    theirs = make_ready_lecture("audio", title="别人的讲座")
    editor_of_one_collection(client, theirs)

    # when
    other_editor = client.get(download_url)
    client.logout()
    anonymous = client.get(download_url)
    make_user("member")
    client.login(username="member", password=PASSWORD)
    member = client.get(download_url)

    # then
    assert other_editor.status_code == 404
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("wagtailadmin_login"))
    assert member.status_code in (302, 403)
    assert not getattr(member, "streaming", False)


def test_a_missing_original_is_not_found(client, editor, make_ready_lecture):
    # make_ready_lecture's rows name an original that was never stored
    lecture = make_ready_lecture("audio")

    response = client.get(reverse("lecture_jobs:original", args=(lecture.pk,)))

    assert response.status_code == 404
