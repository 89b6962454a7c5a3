"""A member changes their own password on the site: the old one first, the
password validators apply, other phones are signed out, this one stays in."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.members.test_login_password import EN, inspect, logs_in

URL = "/me/password/"
OLD = "old-password-77"
NEW = {
    "old_password": OLD,
    "new_password1": "river-lantern-42",
    "new_password2": "river-lantern-42",
}


@pytest.fixture
def zhang(people):
    login = people.local_a1a.user
    login.set_password(OLD)
    login.save()
    return people.local_a1a


def signed_in(client_class, username, password):
    phone = client_class()
    response = phone.post(
        "/accounts/login/", {"username": username, "password": password}
    )
    assert response.status_code == 302
    return phone


def test_a_member_changes_their_password_and_stays_signed_in(client, zhang, people):
    # given 张三 signed in on two phones
    this_phone = signed_in(type(client), "zhang", OLD)
    other_phone = signed_in(type(client), "zhang", OLD)
    page = this_phone.get("/my-study/", **EN).content.decode()
    assert f'href="{URL}"' in page

    # when he changes his password on one of them
    response = this_phone.post(URL, NEW, follow=True, **EN)

    # then he is still signed in there, told so, and the other phone is signed out
    assert response.redirect_chain[0] == ("/me/organisations/", 302)
    assert "Your password has been changed." in response.content.decode()
    assert this_phone.get("/my-study/").status_code == 200
    assert other_phone.get("/my-study/").status_code == 302
    # only the new password logs in
    assert logs_in(type(client)(), "zhang", NEW["new_password1"])
    assert not logs_in(type(client)(), "zhang", OLD)
    # and his organiser's page says he set it himself
    client.force_login(people.county)
    assert "Password last set by 张三 on" in inspect(client, zhang)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"old_password": "guess-1234"}, "Your old password was entered incorrectly"),
        ({"new_password1": "123456", "new_password2": "123456"}, "too common"),
        ({"new_password2": "river-lantern-43"}, "didn’t match"),
        ({"new_password1": "", "new_password2": ""}, "This field is required."),
        (
            {"new_password1": OLD, "new_password2": OLD},
            "The new password is the same as your current one.",
        ),
    ],
)
def test_a_wrong_old_or_weak_new_password_is_refused(client, zhang, change, message):
    phone = signed_in(type(client), "zhang", OLD)

    response = phone.post(URL, {**NEW, **change}, **EN)

    assert response.status_code == 400
    assert message in response.content.decode()
    # nothing changed: the old password still logs in, the session is intact
    assert phone.get("/my-study/").status_code == 200
    assert logs_in(type(client)(), "zhang", OLD)


def test_the_page_asks_for_the_old_password_and_shows_the_rules(client, zhang):
    phone = signed_in(type(client), "zhang", OLD)

    page = phone.get(URL, **EN).content.decode()

    assert 'autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2
    assert "at least 8 characters" in page
    assert "You log in as zhang." in page


def test_in_chinese(client, zhang):
    phone = signed_in(type(client), "zhang", OLD)

    page = phone.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "修改密码" in page
    assert "Change password" not in page
    # and our own refusal too
    same = {**NEW, "new_password1": OLD, "new_password2": OLD}
    refused = phone.post(URL, same, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "新密码与当前密码相同，请另选一个。" in refused


def test_signed_out_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_a_login_without_a_member_profile_changes_its_password_too(client, db):
    login = get_user_model().objects.create_user("editor-li", password=OLD)
    phone = signed_in(type(client), "editor-li", OLD)

    response = phone.post(URL, NEW, **EN)

    assert response.status_code == 302
    login.refresh_from_db()
    assert login.check_password(NEW["new_password1"])


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "密码太短。至少需要包含 8 个字符。"),
        ("zh-hant", "密碼太短。至少需要包含 8 個字元。"),
        ("en", "This password is too short. It must contain at least 8 characters."),
    ],
)
def test_a_short_password_is_refused_in_the_members_language(
    client, zhang, language, message
):
    # Django 5.2's zh_Hans catalogue lacks its "This password is too short..."
    # msgid: site/locale_vendor translates it (it came in English on Simplified
    # Chinese screens).
    phone = signed_in(type(client), "zhang", OLD)

    response = phone.post(
        URL,
        {**NEW, "new_password1": "kx7-q", "new_password2": "kx7-q"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    page = response.content.decode()
    errors = page[page.index('id="id_new_password2_errors"') :]
    assert message in errors
    assert logs_in(type(client)(), "zhang", OLD)


@pytest.mark.parametrize(
    ("language", "rule", "wrong_old"),
    [
        ("zh-hans", "您的密码不能全都是数字。", "您的旧密码不正确。"),
        ("zh-hant", "您的密碼不能全都是數字。", "您的舊密碼不正確。"),
    ],
)
def test_the_password_rules_address_the_member_as_the_rest_of_the_site_does(
    client, zhang, language, rule, wrong_old
):
    # Django's own Chinese password texts say 你; every other screen says 您
    # (site/locale_vendor overrides them).
    phone = signed_in(type(client), "zhang", OLD)

    page = phone.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    refused = phone.post(
        URL,
        {"old_password": "wrong", "new_password1": "1", "new_password2": "1"},
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()

    assert rule in page
    assert wrong_old in refused and rule in refused
    assert "你" not in page and "你" not in refused
    assert logs_in(type(client)(), "zhang", OLD)
