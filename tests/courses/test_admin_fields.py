"""Rules for every admin form's fields (courses/admin_fields.py): go-live and expiry
times within 1900-2199 (a page saved with year 1 or 9999 broke its parent's explorer
for every editor on PostgreSQL), and tags whose slug fits taggit's column."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from courses.models import CoursePage, LessonPage
from quizzes.models import Quiz


def schedule_fields(model):
    fields = model.get_edit_handler().get_form_class().base_fields
    return [fields[name] for name in ("go_live_at", "expire_at") if name in fields]


@pytest.mark.parametrize("model", [CoursePage, LessonPage, Quiz])
@pytest.mark.parametrize("typed", ["0001-01-01 00:00", "9999-12-31 23:59"])
def test_a_schedule_outside_1900_to_2199_is_refused_by_the_admin_form(model, typed):
    fields = schedule_fields(model)
    assert fields or model is Quiz  # pages always have a schedule

    for field in fields:
        with translation.override("en"):
            with pytest.raises(ValidationError) as refused:
                field.clean(typed)
            assert refused.value.messages == [
                "Enter a time between the years 1900 and 2199."
            ]


def test_a_real_schedule_is_accepted_with_wagtails_widget():
    go_live_at, _ = schedule_fields(LessonPage)

    assert go_live_at.clean("2027-01-05 08:00").year == 2027
    assert type(go_live_at.widget).__name__ == "AdminDateTimeInput"


def tag_field(model):
    return model.get_edit_handler().get_form_class().base_fields["tags"]


@pytest.mark.parametrize(
    "tag",
    [
        "ﬃ" * 40,  # 40 characters, a 120-character slug (NFKC: "ffi")
        "a" * 98,  # fits the name, but not the slug with taggit's "_1"
        "㍿" * 30,  # each is "株式会社" once normalised
    ],
)
def test_a_tag_whose_slug_cannot_be_stored_is_refused(tag):
    from quizzes.models import Question

    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            tag_field(Question).clean(tag)
        assert refused.value.messages[0].startswith("The tag “")
        assert refused.value.messages[0].endswith("” is too long; shorten it.")


def test_chinese_and_ordinary_tags_are_kept():
    from quizzes.models import Question

    assert sorted(tag_field(Question).clean("党章, 义务教育")) == ["义务教育", "党章"]


def png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "name", "body"),
    [
        ("/admin/images/add/", "poster.png", png),
        ("/admin/documents/add/", "handout.txt", lambda: "讲义".encode()),
    ],
)
def test_images_and_documents_refuse_a_tag_that_cannot_be_stored(
    admin_client, url, name, body
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    response = admin_client.post(
        url,
        {
            "title": "资料",
            "file": SimpleUploadedFile(name, body()),
            "collection": Collection.get_first_root_node().pk,
            "tags": "讲座, " + "ﬃ" * 40,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "is too long; shorten it." in response.content.decode()
    assert not get_image_model().objects.exists()
    assert not get_document_model().objects.exists()
