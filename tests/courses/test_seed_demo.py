import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, LessonPage

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
        "pages": sorted(Page.objects.values_list("url_path", flat=True)),
    }


def test_seed_demo_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")

    assert snapshot() == first
    assert CourseIndexPage.objects.count() == 1
    assert CoursePage.objects.live().count() >= 1
    assert LessonPage.objects.live().count() >= 2


def test_seed_demo_prints_the_logins(capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "editor" in out
    assert "member" in out
    assert "satchel-demo" in out


def test_demo_course_is_served_at_the_site_root(client):
    call_command("seed_demo")

    response = client.get("/")

    assert response.status_code == 200
    assert "如何使用学习平台" in response.content.decode()


def test_demo_lesson_shows_a_picture_of_what_each_quality_costs(client):
    call_command("seed_demo")
    call_command("seed_demo")  # once only
    lesson = LessonPage.objects.get(slug="save-data")
    client.force_login(get_user_model().objects.get(username="member"))

    page = client.get(lesson.url).content.decode()

    images = [block for block in lesson.body if block.block_type == "image"]
    assert len(images) == 1
    caption = images[0].value["caption"]
    assert caption.startswith("每小时所需流量：只听声音 约 ")
    assert "240p 约 " in caption and "480p 约 " in caption
    assert f"<figcaption>{caption}</figcaption>" in page
    src = re.search(r'<img src="([^"]+)"', page)[1]
    picture = client.get(src)
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/webp"


def test_the_demo_editor_can_publish_course_pages():
    call_command("seed_demo")
    editor = get_user_model().objects.get(username="editor")
    course = CoursePage.objects.live().first()

    permissions = course.permissions_for_user(editor)

    assert permissions.can_publish()
    assert permissions.can_publish_subpage()
