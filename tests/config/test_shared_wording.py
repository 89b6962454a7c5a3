"""Our translations do not change what Wagtail's screens say, and the language menu
names each language in itself (tests/config/test_vendor_translations.py checks the
catalogues; these check the screens)."""

import pytest
from django.urls import reverse
from wagtail.models import Page

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
ZH_HANS = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_a_pages_history_in_the_admin_is_its_history_not_a_members_moves(client):
    # "History" on "My organisations" (a member's moves) is 流动记录; Wagtail's
    # revision history of a page took that wording while ours had no context
    make_user("editor", is_superuser=True, is_staff=True)
    client.login(username="editor", password=PASSWORD)
    page = Page.objects.filter(depth=2).first()

    response = client.get(
        reverse("wagtailadmin_pages:history", args=[page.pk]), **ZH_HANS
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "历史" in html
    assert "流动记录" not in html


def test_the_language_menu_names_each_language_in_itself(client):
    response = client.get("/offline/", **ZH_HANS)

    html = response.content.decode()
    assert '<option value="en" lang="en">English</option>' in html
    assert '<option value="zh-hant" lang="zh-hant">繁體中文</option>' in html
    assert 'lang="zh-hans" selected>简体中文</option>' in html
    assert "英语" not in html


def test_a_nul_character_in_a_form_field_is_named_for_what_it_is():
    # Django's zh_Hans catalogue said "an empty string is not allowed"
    # (config/translations.py corrects it)
    from django import forms
    from django.utils import translation

    field = forms.CharField()
    with translation.override("zh-hans"):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean("王\x00芳")
        assert refused.value.messages == ["不允许包含空字符（NUL）。"]
