"""An editor choosing a lecture for a lesson, in Debian's Chromium: an upload the
chooser refuses shows why, in the modal, on the tab where the file was given
(wagtailmedia's own chooser reopened on Search, with the error out of sight)."""

import pytest
from django.urls import reverse

from media_pipeline.models import Lecture
from tests.browsing import admin_page
from tests.factories import make_course, make_home, make_lesson

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("wagtail_tree"),
]


@pytest.mark.parametrize(
    ("tab", "kind"), [("Upload Video", "video"), ("Upload Audio", "audio")]
)
def test_a_refused_upload_in_the_chooser_shows_its_reason(
    browser, live_server, tmp_path, tab, kind
):
    # given an editor adding a lecture to a lesson's body, and a file that is not one
    lesson = make_lesson(make_course(make_home()))
    not_a_lecture = tmp_path / "讲座.mp4"
    not_a_lecture.write_text("这不是视频文件，只是一段文字。")
    context, page = admin_page(
        browser, live_server, reverse("wagtailadmin_pages:edit", args=[lesson.pk])
    )
    page.locator(".c-sf-add-button").first.click()
    page.get_by_role("option", name="Lecture", exact=True).click()
    page.get_by_role("button", name="Choose a media item").click()
    modal = page.locator(".modal")

    # when they upload it from the chooser's upload tab
    modal.get_by_role("tab", name=tab).click()
    # (fields by name: both upload forms use the same ids, so a label finds the
    # first form's field)
    panel = modal.locator(f"#tab-upload-{kind}")
    panel.locator("[name=media-chooser-upload-title]").fill("第一讲")
    panel.locator("[name=media-chooser-upload-file]").set_input_files(not_a_lecture)
    panel.get_by_role("button", name="Upload").click()

    # then the modal stays on that tab and says why, and nothing is stored
    reason = modal.get_by_text(
        "This file is not a video or audio file that can be read."
    )
    reason.wait_for()
    assert reason.is_visible()
    assert modal.get_by_role("tab", name=tab).get_attribute("aria-selected") == "true"
    title = modal.locator(f"#tab-upload-{kind} [name=media-chooser-upload-title]")
    assert title.input_value() == "第一讲"
    assert not Lecture.objects.exists()
    # and the modal keeps its title (wagtailmedia's upload view passes none)
    assert modal.get_by_role("heading", name="Choose a media item").is_visible()
    context.close()
