"""Refusals are the site's own pages: layout, phone viewport, the member's language."""

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db
VIEWPORT = '<meta name="viewport"'


def test_a_form_opened_before_signing_in_says_it_expired_and_nothing_changed():
    # a member's phone: the footer's language form was rendered in another session
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    stale = browser.cookies["csrftoken"].value
    browser.force_login(make_user("member"))
    browser.cookies["csrftoken"] = "x" * 32  # the token the phone holds now

    response = browser.post(
        "/i18n/setlang/",
        {"language": "en", "csrfmiddlewaretoken": stale},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert VIEWPORT in page and '<html lang="zh-hans"' in page
    assert "表单已过期" in page
    assert "没有做任何更改" in page
    assert 'name="csrfmiddlewaretoken"' in page  # its own forms work again


def test_a_refusal_shows_its_reason_in_the_site_layout(client):
    client.force_login(make_user("editor-only"))  # signed in, not a member

    response = client.post("/quizzes/1/start/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 403
    assert VIEWPORT in page
    assert "Only members can take quizzes." in page


def test_pages_name_their_icon_so_phones_do_not_ask_for_favicon_ico(client):
    page = client.get("/accounts/login/").content.decode()

    assert '<link rel="icon" href="data:image/svg+xml,' in page


def test_opening_a_form_only_address_says_what_to_do_in_the_members_language(client):
    # a member signed in again and was sent back to the quiz's start button's address
    client.force_login(make_user("member"))

    response = client.get("/quizzes/1/start/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    page = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert VIEWPORT in page and '<html lang="zh-hans"' in page
    assert "此地址只接收网站上的表单" in page


def test_the_apis_own_405_message_is_kept(client):
    client.force_login(make_user("member"))

    response = client.delete("/api/v1/progress/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 405
    assert response.json() == {
        "detail": 'Method "DELETE" not allowed.',
        "code": "method_not_allowed",
    }


def test_a_server_error_is_told_in_the_members_language(client, monkeypatch):
    # 500.html was one bilingual line, Chinese on English screens and English on
    # Chinese ones; it still stands alone (no base.html, no database).
    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr("courses.views.member_of", broken)
    client.raise_request_exception = False
    client.force_login(make_user("member"))

    response = client.get("/my-study/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="en"' in page and VIEWPORT in page
    assert "Server error" in page
    assert "服务器出错" not in page
