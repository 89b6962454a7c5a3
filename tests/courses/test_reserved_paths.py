"""A page cannot be put where one of Satchel's own URLs answers
(config/reserved_paths.py): config/urls.py mounts /offline/, /reports/, /me/... before
Wagtail's page tree, so such a page would be published and never served. Editors are
refused on create, slug change, copy and move, through the admin's real views."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import Page, Site
from wagtail.test.utils.form_data import nested_form_data, streamfield

from courses.models import CoursePage, LessonPage
from tests.factories import make_course, make_lesson


def taken(address):
    return (
        f"The address {address} is already used by one of Satchel's own pages. "
        "Choose another slug."
    )


def course_form(**fields):
    return {"title": "课程", "summary": "概要", **fields}


def lesson_form(**fields):
    return nested_form_data(
        {
            "title": "第一课",
            "body": streamfield([]),
            "completion_rule": "read",
            "watch_percent": 90,
            "read_seconds": 60,
            **fields,
        }
    )


def add_page(client, model, parent, data):
    url = reverse(
        "wagtailadmin_pages:add",
        args=(model._meta.app_label, model._meta.model_name, parent.pk),
    )
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def edit_page(client, page, data):
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def slug_errors(response):
    return response.context["form"].errors.get("slug")


def shown_messages(response):
    # Wagtail's admin messages are rendered, escaped, from a template.
    return [unescape(str(message)).strip() for message in response.context["messages"]]


@pytest.mark.parametrize("slug", ["reports", "offline", "my-study", "admin"])
def test_a_course_whose_address_satchel_answers_is_refused_on_create(
    editor, tree, slug
):
    home, _ = tree
    address = f"/{slug}/"

    response = add_page(editor, CoursePage, home, course_form(slug=slug))

    # Wagtail answers an invalid page form with the form again (200), not a 400
    assert response.status_code == 200
    assert slug_errors(response) == [taken(address)]
    assert escape(taken(address)) in response.content.decode()  # on the form
    assert not Page.objects.filter(slug=slug).exists()


@pytest.mark.parametrize(
    "slug", ["documents", "healthz", "api", "reporting", "me", "register-now"]
)
def test_a_slug_satchel_only_answers_below_or_beside_is_published_and_served(
    editor, client, tree, slug
):
    # given /documents/<id>/<name>, /healthz (no slash), /api/v1/..., /reports/,
    # /me/pairs/..., /register/
    home, _ = tree

    # when an editor publishes a course at /documents/, /healthz/, ...
    response = add_page(
        editor, CoursePage, home, course_form(slug=slug, **{"action-publish": "1"})
    )

    # then it is saved, and its address serves it
    assert response.status_code == 302
    course = CoursePage.objects.get(slug=slug)
    assert course.live
    assert client.get(f"/{slug}/").context["page"].pk == course.pk


def test_renaming_a_course_to_an_address_satchel_answers_is_refused(editor, tree):
    # given a published course
    _, course = tree

    # when an editor changes its slug to "reports"
    response = edit_page(editor, course, course_form(slug="reports", title="新名"))

    # then the slug field says why, and the stored page is unchanged
    assert response.status_code == 200
    assert slug_errors(response) == [taken("/reports/")]
    course.refresh_from_db()
    assert (course.slug, course.title, course.url_path) == (
        "getting-started",
        "如何使用学习平台",
        "/satchel-home/getting-started/",
    )
    assert course.revisions.count() == 0


def test_editing_a_course_with_a_free_slug_still_saves(editor, tree):
    _, course = tree

    response = edit_page(editor, course, course_form(slug="how-to-study"))

    assert response.status_code == 302
    assert course.revisions.get().content["slug"] == "how-to-study"


def test_a_lesson_at_an_address_satchel_answers_deeper_in_the_tree_is_refused(
    editor, tree
):
    # given a course at /me/, which Satchel does not answer (only /me/organisations/...)
    home, _ = tree
    me = make_course(home, slug="me")

    # when an editor adds a lesson "organisations" to it
    response = add_page(editor, LessonPage, me, lesson_form(slug="organisations"))

    # then /me/organisations/ is refused, and a free slug is not
    assert slug_errors(response) == [taken("/me/organisations/")]
    assert not LessonPage.objects.exists()
    response = add_page(editor, LessonPage, me, lesson_form(slug="first"))
    assert response.status_code == 302
    assert LessonPage.objects.get().url_path == "/satchel-home/me/first/"


def test_a_slug_change_that_moves_a_lesson_onto_a_taken_address_is_refused(
    editor, tree
):
    # given a course with a lesson "organisations"
    _, course = tree
    make_lesson(course, slug="organisations")

    # when the course is renamed "me", the lesson would be at /me/organisations/
    response = edit_page(editor, course, course_form(slug="me"))

    # then the course's slug field names the lesson's address
    assert slug_errors(response) == [taken("/me/organisations/")]
    course.refresh_from_db()
    assert course.slug == "getting-started"


def test_an_address_on_another_site_the_page_belongs_to_is_refused(editor, tree):
    # given a second site whose home is the course (/getting-started/ on the first)
    _, course = tree
    Site.objects.create(hostname="study.example", root_page=course)

    # when an editor adds a lesson "offline" to the course
    response = add_page(editor, LessonPage, course, lesson_form(slug="offline"))

    # then it would be /offline/ on the second site: refused
    assert slug_errors(response) == [taken("/offline/")]


def test_renaming_the_home_page_ignores_addresses_it_does_not_change(editor, tree):
    # given a lesson at /me/organisations/ from before the rule (not through a form)
    home, _ = tree
    make_lesson(make_course(home, slug="me"), slug="organisations")

    # when the site's home page gets another slug, its pages' addresses stay
    response = edit_page(editor, home, {"title": "学习园地", "slug": "study-home"})

    # then the rename is saved; the lesson is not its doing
    assert response.status_code == 302
    assert home.revisions.get().content["slug"] == "study-home"


def test_copying_a_course_to_a_taken_address_is_refused(editor, tree):
    home, course = tree
    url = reverse("wagtailadmin_pages:copy", args=(course.pk,))

    response = editor.post(
        url,
        {"new_title": "副本", "new_slug": "offline", "new_parent_page": home.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_slug"] == [taken("/offline/")]
    assert not Page.objects.filter(slug="offline").exists()


@pytest.fixture
def lesson_and_me(tree):
    """A lesson "organisations" in a course, and a course at /me/."""
    home, course = tree
    return make_lesson(course, slug="organisations"), make_course(home, slug="me")


def test_moving_a_lesson_onto_a_taken_address_is_refused(editor, lesson_and_me):
    # given a lesson "organisations" and a course at /me/
    lesson, me = lesson_and_me
    url = reverse("wagtailadmin_pages:move_confirm", args=(lesson.pk, me.pk))

    # when an editor chooses /me/ as its new parent, and confirms anyway
    shown = editor.get(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    confirmed = editor.post(url, HTTP_ACCEPT_LANGUAGE="en")

    # then each time they are back at choosing a parent, told why
    assert shown.redirect_chain == [
        (reverse("wagtailadmin_pages:move", args=(lesson.pk,)), 302)
    ]
    assert shown_messages(shown) == [
        "“第一课” cannot be moved there: the address /me/organisations/ is already "
        "used by one of Satchel's own pages."
    ]
    assert confirmed.status_code == 302
    lesson.refresh_from_db()
    assert lesson.url_path == "/satchel-home/getting-started/organisations/"


def test_moving_a_lesson_to_a_free_address_still_works(editor, tree, lesson_and_me):
    home, _ = tree
    lesson, _ = lesson_and_me
    other = make_course(home, slug="other")
    url = reverse("wagtailadmin_pages:move_confirm", args=(lesson.pk, other.pk))

    assert editor.post(url).status_code == 302

    lesson.refresh_from_db()
    assert lesson.url_path == "/satchel-home/other/organisations/"


def test_a_bulk_move_onto_a_taken_address_moves_nothing(editor, tree, lesson_and_me):
    # given two lessons, one of them "organisations"
    _, course = tree
    lesson, me = lesson_and_me
    other = make_lesson(course, slug="free")
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "move"))
        + f"?id={other.pk}&id={lesson.pk}"
    )

    # when an editor moves both into the course at /me/
    response = editor.post(
        url, {"chooser": me.pk}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    # then neither moves, and the editor is told which and why
    assert response.redirect_chain == [(url, 302)]
    assert shown_messages(response) == [
        "“第一课” cannot be moved there: the address /me/organisations/ is already "
        "used by one of Satchel's own pages."
    ]
    assert set(LessonPage.objects.child_of(me)) == set()


def test_the_refusal_is_in_the_editors_language(editor, tree):
    home, _ = tree
    url = reverse("wagtailadmin_pages:add", args=("courses", "coursepage", home.pk))

    response = editor.post(
        url, course_form(slug="reports"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert slug_errors(response) == [
        "地址 /reports/ 已被 Satchel 自身的页面占用。请换一个缩略名。"
    ]
