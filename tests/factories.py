"""Small builders shared by the tests: real rows, no mocks."""

from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from courses.models import CourseIndexPage, CoursePage, LessonPage

PASSWORD = "correct horse battery"


def make_user(username: str = "member", **fields):
    user = get_user_model().objects.create_user(username=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_home() -> CourseIndexPage:
    root = Page.get_first_root_node()
    home = root.add_child(
        instance=CourseIndexPage(title="学习园地", slug="satchel-home")
    )
    Site.objects.update_or_create(
        is_default_site=True, defaults={"root_page": home, "hostname": "localhost"}
    )
    return home


def make_course(home: CourseIndexPage, *, title: str = "课程", slug: str = "course"):
    course = CoursePage(title=title, slug=slug, summary="概要")
    home.add_child(instance=course)
    return course


def make_lesson(
    course: CoursePage, *, title: str = "第一课", slug: str = "lesson-1", body=()
):
    lesson = LessonPage(title=title, slug=slug, body=list(body))
    course.add_child(instance=lesson)
    return lesson
