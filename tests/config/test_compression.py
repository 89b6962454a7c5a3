"""Pages reach a phone gzipped; pictures and lecture files are sent as they are."""

import gzip

import pytest

from tests.courses.test_lesson_files import make_image

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}


def test_a_page_is_gzipped_for_a_browser_that_asks(client):
    plain = client.get("/accounts/login/")
    zipped = client.get("/accounts/login/", **GZIP)

    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert len(zipped.content) < len(plain.content)
    assert gzip.decompress(zipped.content).decode().startswith("<!doctype html>")


def test_pictures_are_not_compressed_again(client):
    url = make_image().get_rendition("width-480|format-webp").url

    response = client.get(url, **GZIP)

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
