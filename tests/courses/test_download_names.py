"""Downloaded lecture files are saved under the lecture's title, so a member with
several lectures on the phone can tell them apart (not ``download.mp4``)."""

import re

import pytest

from media_pipeline.playback import file_name

pytestmark = pytest.mark.django_db


def test_the_download_links_name_the_files_after_the_lecture(
    client, member, played_lesson
):
    client.force_login(member.user)

    page = client.get(played_lesson.url).content.decode()

    names = re.findall(r'<a href="/m/[^"]+" download="([^"]+)"', page)
    assert names[0] == "第一讲.mp4"
    assert set(names[1:]) == {"第一讲.m4a", "第一讲.webm"}


def test_a_title_keeps_only_what_a_phone_can_save():
    assert file_name("第一讲: 党章/义务?", "download.mp4") == "第一讲  党章 义务.mp4"
    assert file_name("///", "audio/listen.webm") == "lecture.webm"
