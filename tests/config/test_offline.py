"""/sw.js, the service worker served from the site root, and /offline/, the page
it shows offline (docs/progress.md, "Saved for offline")."""

import pytest


@pytest.mark.django_db
def test_service_worker_is_served_from_the_root_as_javascript_without_login(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert 'addEventListener("fetch"' in body
    assert 'var STATIC = "/static/", MEDIA = "/m/";' in body


@pytest.mark.django_db
def test_service_worker_unchanged_is_a_304(client):
    etag = client.get("/sw.js")["ETag"]

    response = client.get("/sw.js", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""


@pytest.mark.django_db
def test_service_worker_refuses_post(client):
    assert client.post("/sw.js").status_code == 405


@pytest.mark.django_db
def test_offline_page_is_translated_and_needs_no_login(client):
    response = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    assert "You are offline" in page
    assert 'id="saved-lessons"' in page
    assert "/static/js/offline.js" in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [("zh-hans", "保存在这部手机上的课时"), ("zh-hant", "保存在這部手機上的課時")],
)
def test_the_offline_page_calls_saved_lessons_lessons(client, language, heading):
    # The list holds lessons; it said 课程 (courses).
    page = client.get("/offline/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert heading in page
    assert "课程" not in page and "課程" not in page
