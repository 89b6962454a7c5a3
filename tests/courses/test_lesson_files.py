"""A lesson's pictures and documents reach the member on the embedded default.

Wagtail renders pictures as storage URLs under MEDIA_URL; config/public_media.py
serves them (only the image folders: lectures and documents have their own views).
"""

import io
import re
import urllib.request
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image

from tests.factories import make_lesson
from tests.s3 import BUCKET, keys

pytestmark = pytest.mark.django_db


def make_image(name="board.png", size=(1200, 800)) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, "#b22222").save(buffer, "PNG")
    return Image.objects.create(
        title="黑板", file=ImageFile(io.BytesIO(buffer.getvalue()), name=name)
    )


@pytest.fixture
def picture_lesson(tree):
    _, course = tree
    document = Document.objects.create(
        title="学习提纲", file=ContentFile(b"%PDF-1.4 outline\n", name="outline.pdf")
    )
    return make_lesson(
        course,
        title="第三课",
        slug="three",
        body=[
            ("image", {"image": make_image(), "caption": "板书"}),
            ("document", {"document": document, "title": ""}),
        ],
    )


def test_member_sees_the_lesson_pictures_and_downloads_its_document(
    client, member, picture_lesson
):
    client.force_login(member.user)

    page = client.get(picture_lesson.url).content.decode()

    figure = re.search(r'<img src="([^"]+)" srcset="([^"]+)"', page)
    assert figure, page
    urls = {figure[1]} | {part.split()[0] for part in figure[2].split(",")}
    assert len(urls) == 2  # the phone size and the large one
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/webp"
        assert response["Cache-Control"] == "public, max-age=86400"
        picture = PILImage.open(io.BytesIO(b"".join(response.streaming_content)))
        assert picture.format == "WEBP"
        assert picture.width in (480, 960)
    document_url = re.search(r'href="(/documents/[^"]+)"', page)[1]
    download = client.get(document_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 outline\n"


@pytest.mark.parametrize(
    ("language", "size", "said"),
    [
        ("en", 17, "<small>(PDF, 17\xa0bytes)</small>"),
        ("zh-hans", 17, "<small>（PDF，17\xa0字节）</small>"),
        # a document stored without its size (not through the admin's upload)
        ("zh-hans", None, "<small>（PDF）</small>"),
    ],
)
def test_the_document_says_its_type_and_size_in_the_members_language(
    client, member, picture_lesson, language, size, said
):
    Document.objects.update(file_size=size)
    client.force_login(member.user)

    page = client.get(picture_lesson.url, HTTP_ACCEPT_LANGUAGE=language)

    assert said in page.content.decode()


def test_pictures_are_revalidated_by_date(client):
    image = make_image()
    url = image.file.url

    first = client.get(url)
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first.status_code == 200
    assert first["Content-Type"] == "image/png"
    assert again.status_code == 304
    assert again["Cache-Control"] == "public, max-age=86400"


def test_admin_image_library_thumbnails_load(client, admin_user):
    image = make_image()
    client.force_login(admin_user)

    page = client.get("/admin/images/").content.decode()

    thumbnail = re.search(r'src="(/media/images/[^"]+)"', page)
    assert thumbnail, page
    assert client.get(thumbnail[1]).status_code == 200
    assert image.renditions.count() == 1


LECTURE = f"lectures/{uuid.uuid4()}/original.mp4"
STORED = (LECTURE, "documents/outline.pdf", "images/notes.svg", "images/notes.txt")


@pytest.mark.parametrize(
    "path",
    [
        LECTURE,  # members-only: the signed prefix
        "documents/outline.pdf",  # Wagtail's document view applies privacy
        f"images/../{LECTURE}",
        "images/notes.svg",  # could carry script
        "images/notes.txt",
        "images/.hidden.png",
        "images/missing.png",
        "images/",
    ],
)
def test_nothing_but_pictures_is_served_from_the_media_folder(client, path):
    for name in STORED:  # each refused file exists: the rule refuses it, not a miss
        default_storage.save(name, ContentFile(b"<svg onload=alert(1)>"))

    response = client.get(f"/media/{path}")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_media_folder_is_not_served_when_a_cdn_serves_it(client, settings):
    url = make_image().file.url
    settings.SATCHEL_SERVE_MEDIA = False

    assert client.get(url).status_code == 404


def test_pictures_on_s3_keep_one_url_that_the_site_serves(client, s3_bucket):
    image = make_image()
    rendition = image.get_rendition("width-480|format-webp")

    response = client.get(rendition.url)

    # one stable URL (no per-page signature), so a phone's cache keeps the picture
    assert rendition.url == f"/media/{rendition.file.name}"
    assert keys(s3_bucket, "images/") == [rendition.file.name]
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    stored = s3_bucket.get_object(Bucket=BUCKET, Key=rendition.file.name)
    assert b"".join(response.streaming_content) == stored["Body"].read()
    assert client.get("/media/images/missing.webp").status_code == 404


def test_without_site_serving_pictures_on_s3_get_the_stores_signed_urls(
    s3_bucket, settings
):
    settings.SATCHEL_SERVE_MEDIA = False
    image = make_image()

    url = image.file.url  # the moto server of tests/s3.py, over http
    with urllib.request.urlopen(url) as response:  # noqa: S310
        assert "Signature=" in url
        assert (
            response.read()
            == s3_bucket.get_object(Bucket=BUCKET, Key=image.file.name)["Body"].read()
        )
