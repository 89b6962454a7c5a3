import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_course, make_home, make_lesson, make_user

pytestmark = pytest.mark.django_db

LESSON_BODY = [("text", "<p>认真学习每一课。</p>")]


@pytest.fixture
def tree():
    home = make_home()
    course = make_course(home, title="如何使用学习平台", slug="getting-started")
    first = make_lesson(course, title="第一课", slug="one", body=LESSON_BODY)
    second = make_lesson(course, title="第二课", slug="two")
    return home, course, first, second


def test_home_lists_published_courses(client, tree):
    home, course, *_ = tree

    response = client.get("/")

    assert response.status_code == 200
    assert "如何使用学习平台" in response.content.decode()


def test_unpublished_course_is_not_listed(client, tree):
    home, course, *_ = tree
    course.unpublish()

    response = client.get("/")

    assert "如何使用学习平台" not in response.content.decode()


def test_course_page_lists_its_lessons_in_order(client, tree):
    _, course, *_ = tree

    page = client.get(course.url).content.decode()

    assert page.index("第一课") < page.index("第二课")


def test_lesson_requires_login(client, tree):
    *_, first, _ = tree

    response = client.get(first.url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_member_reads_a_lesson_with_a_link_to_the_next(client, tree):
    *_, first, second = tree
    client.force_login(make_user())

    response = client.get(first.url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "认真学习每一课。" in page
    assert f'href="{second.url}"' in page


def test_login_page_signs_a_member_in_and_back_to_the_lesson(client, tree):
    *_, first, _ = tree
    make_user("wang")

    response = client.post(
        reverse("login"), {"username": "wang", "password": PASSWORD, "next": first.url}
    )

    assert response.status_code == 302
    assert response["Location"] == first.url


def test_wrong_password_is_a_form_error_not_a_crash(client, tree):
    make_user("wang")

    response = client.post(reverse("login"), {"username": "wang", "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_admin_requires_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
