"""Rich text as the admin's editor posts it: Draftail's JSON can spell half a
character (a lone UTF-16 surrogate, "\\ud800"), which no database stores. Saving
failed with a 500; it is now stored with U+FFFD in its place, as a browser sends
any other form field (config/rich_text.py)."""

import json

from courses.models import CoursePage, LessonPage
from tests.courses.test_reserved_paths import add_page, course_form, lesson_form

P = '<p data-block-key="a">%s</p>'  # the stored HTML of draftail()'s paragraph


def draftail(text_json: str) -> str:
    """Draftail's content with one paragraph whose text is given as JSON (escapes
    and all), the way the editor's JavaScript writes it."""
    block = json.dumps(
        {"key": "a", "text": "TEXT", "type": "unstyled", "depth": 0}
        | {"inlineStyleRanges": [], "entityRanges": []}
    ).replace('"TEXT"', text_json)
    return f'{{"blocks": [{block}], "entityMap": {{}}}}'


def test_a_half_character_in_a_course_description_is_stored_as_a_replacement(
    editor, tree
):
    home, _ = tree

    response = add_page(
        editor,
        CoursePage,
        home,
        course_form(slug="c1", description=draftail(r'"学\ud800习"')),
    )

    assert response.status_code == 302
    assert CoursePage.objects.get(slug="c1").description == P % "学\ufffd习"


def test_a_half_character_in_a_lesson_text_block_is_stored_as_a_replacement(
    editor, tree
):
    _, course = tree
    body = {"count": 1, "0": {"type": "text", "value": draftail(r'"读\udfff书"')}}
    body["0"] |= {"deleted": "", "order": 0}

    response = add_page(editor, LessonPage, course, lesson_form(slug="l1", body=body))

    assert response.status_code == 302
    block = LessonPage.objects.get(slug="l1").body[0]
    assert block.block_type == "text"
    assert block.value.source == P % "读\ufffd书"


def test_a_whole_character_spelt_as_a_surrogate_pair_is_kept(editor, tree):
    home, _ = tree
    # 😀 is two UTF-16 halves in JSON; together they are one character
    text = json.dumps("好😀", ensure_ascii=True)
    assert "\\ud83d\\ude00" in text

    response = add_page(
        editor, CoursePage, home, course_form(slug="c2", description=draftail(text))
    )

    assert response.status_code == 302
    assert CoursePage.objects.get(slug="c2").description == P % "好😀"


def test_a_description_posted_as_html_instead_of_draftail_json_is_kept_as_text(
    editor, tree
):
    # given a script that posts HTML where the editor posts Draftail's JSON
    home, _ = tree

    response = add_page(
        editor,
        CoursePage,
        home,
        course_form(slug="c2", description="<b>学习</b>\n第二行"),
    )

    # then it is saved, as the text that was sent (no markup gets in), not a 500
    assert response.status_code == 302
    assert CoursePage.objects.get(slug="c2").description == (
        "<p>&lt;b&gt;学习&lt;/b&gt;</p><p>第二行</p>"
    )
