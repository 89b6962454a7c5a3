"""Requests no client of ours sends, each answered with a 4xx that says why, never a
500 (each of these was a 500 once): config/nul_guard.py, config/bad_ids.py,
config/api_input.py, config/api_errors.py, members/context_processors.py."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import make_user

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TOO_DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def member_client(client):
    client.force_login(make_user("member"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/members/?q=%00",
        "/api/v1/members/?organisation=%00",
        "/api/v1/members/organisations/?q=%00",
        "/api/v1/members/?%00=1",
    ],
)
def test_a_nul_in_an_api_query_is_a_400_in_json(member_client, url):
    # (PostgreSQL cannot compare text holding NUL: psycopg raised DataError)
    response = member_client.get(url, **EN)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The address holds a NUL character.",
        "code": "invalid",
    }


@pytest.mark.parametrize(
    "url", ["/in-person-study/?q=%00", "/admin/media/?q=%00", "/m/x/y/a%00.mp4"]
)
def test_a_nul_in_a_page_address_is_the_sites_400_page(admin_client, url):
    response = admin_client.get(url, **EN)

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/bulk/wagtailcore/page/delete/?id=abc",
        "/admin/bulk/wagtailimages/image/delete/?id=abc",
        "/admin/bulk/auth/user/delete/?id=abc",
        "/admin/snippets/choose/quizzes/quiz/chosen/abc/",
        f"/admin/bulk/wagtailcore/page/delete/?id={2**63}",
        f"/admin/snippets/choose/quizzes/quiz/chosen/{2**63}/",
    ],
)
def test_an_admin_id_that_names_nothing_is_a_404_page(admin_client, url):
    # Wagtail's views handed "abc" to an integer lookup (ValueError) and 2**63 to
    # SQLite (OverflowError)
    response = admin_client.get(url, **EN)

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_other_errors_in_a_view_are_not_taken_for_bad_ids():
    from config.bad_ids import is_bad_id

    assert not is_bad_id(ValueError("invalid literal for int() with base 10: 'x'"))
    assert not is_bad_id(KeyError("id"))
    assert not is_bad_id(OverflowError("date value out of range"))
    assert is_bad_id(ValueError("Field 'id' expected a number but got 'abc'."))
    assert is_bad_id(OverflowError("Python int too large to convert to SQLite INTEGER"))


def test_a_host_not_allowed_is_a_400_page():
    # refused before AuthenticationMiddleware, so the 400 page had no request.user
    response = Client().get("/healthz", HTTP_HOST="evil.example", **EN)

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_json_nested_too_deeply_is_a_parse_error(member_client):
    response = member_client.post(
        "/api/v1/progress/", TOO_DEEP, content_type="application/json", **EN
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - the document is nested too deeply.",
        "code": "parse_error",
    }


@pytest.mark.parametrize(
    "body, detail",
    [
        (
            '{"events": [}',
            "JSON parse error - the request body is not JSON from line 1, column 13.",
        ),
        ('{"events": NaN}', "JSON parse error - the request body is not JSON."),
    ],
)
def test_broken_json_is_a_parse_error_that_says_where(member_client, body, detail):
    # DRF's own wording was English whatever the language, with Python's
    # description of the fault appended
    response = member_client.post(
        "/api/v1/progress/", body, content_type="application/json", **EN
    )

    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "parse_error"}


def test_broken_json_is_refused_in_the_members_language(member_client):
    response = member_client.post(
        "/api/v1/progress/",
        "{",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert "JSON parse error" not in response.json()["detail"]


def test_a_null_body_is_refused_in_the_members_language(member_client):
    response = member_client.post(
        "/api/v1/progress/", "null", content_type="application/json", **EN
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["No data provided: send a JSON object."]
    }


def test_a_beacon_batch_nested_too_deeply_is_refused(member_client):
    response = member_client.post("/api/v1/progress/beacon/", {"batch": TOO_DEEP}, **EN)

    assert response.status_code == 400
    assert response.json() == {"batch": ["The batch must be a JSON object."]}


DATE_ALONE = (
    "Give a date and a time, such as 2026-12-01T09:30:00+08:00, not a date alone."
)


@pytest.mark.parametrize(
    ("at", "message"),
    [
        # year 1 in Asia/Shanghai (+08:05:43 then) is before year 1 in UTC
        ("0001-01-01T00:00:00", "Datetime value out of range."),
        ("0001-01-01T08:05:42", "Datetime value out of range."),
        # Python reads a date alone as midnight: a time nobody gave
        ("2026-12-01", DATE_ALONE),
        (" 2026-12-01 ", DATE_ALONE),
    ],
)
def test_a_time_that_names_no_moment_is_a_400(member_client, at, message):
    event = {"id": "e1", "lesson": 1, "session": "s", "at": at, "position": 1}

    response = member_client.post(
        "/api/v1/progress/", {"events": [event]}, content_type="application/json", **EN
    )

    assert response.status_code == 400
    assert response.json()["events"]["0"]["at"] == [message]


def test_drf_refusals_carry_a_code():
    anonymous = Client().get("/api/v1/members/me/", **EN)
    member = Client()
    member.force_login(make_user("member"))
    broken = member.post(
        "/api/v1/progress/", "{", content_type="application/json", **EN
    )
    unsupported = member.post("/api/v1/progress/", "x", content_type="text/plain", **EN)

    assert anonymous.status_code == 403
    assert anonymous.json()["code"] == "not_authenticated"
    assert broken.status_code == 400
    assert broken.json()["code"] == "parse_error"
    assert unsupported.status_code == 415
    assert unsupported.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v1/members/0/",
        "/api/v1/members/9223372036854775808/",
        "/api/v1/quizzes/99999999999999999999/attempts/",
    ],
)
def test_an_api_path_naming_nothing_is_a_json_404(path):
    # a POST without a CSRF token too: the site's CSRF check answered in HTML
    member = Client(enforce_csrf_checks=True)
    member.force_login(make_user("member"))

    for response in (member.get(path, **EN), member.post(path, {}, **EN)):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content) == {
            "detail": "Nothing here: check the address.",
            "code": "not_found",
        }


def test_an_api_path_without_its_slash_is_still_redirected(member_client):
    response = member_client.get("/api/v1/members/me", **EN)

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/members/me/"


def test_the_schema_documents_the_refusal_of_a_visitor_on_every_operation(
    admin_client,
):
    schema = admin_client.get("/api/v1/schema/?format=json").json()

    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) >= 20
    assert all("403" in op["responses"] for _, _, op in operations)
    assert not any("not-found" in path or "{path}" in path for path, _, _ in operations)


def test_a_login_name_that_cannot_be_one_is_refused_for_what_it_is(client):
    # the form came back with no message at all
    response = client.post(
        "/accounts/login/", {"username": "王\x00芳", "password": "x"}, **EN
    )

    assert "Null characters are not allowed." in response.content.decode()


def _too_large_json():
    events = [{"id": "e", "pad": "x" * 1000}] * (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1000
    )
    return json.dumps({"events": events})


@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant"])
def test_a_body_over_the_upload_limit_is_a_json_400_under_the_api(
    member_client, language
):
    # DRF reads request.body, which raises RequestDataTooBig: the answer was the
    # site's HTML 400 page, which no API client reads
    response = member_client.post(
        "/api/v1/progress/",
        _too_large_json(),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    with translation.override(language):
        detail = gettext("The request body is too large.")
    assert response.json() == {"detail": detail, "code": "too_large"}


@pytest.mark.parametrize(
    "language, detail",
    [
        ("en", "The request is not valid."),
        ("zh-hans", "请求无效。"),
        ("zh-hant", "請求無效。"),
    ],
)
def test_a_beacon_with_too_many_fields_is_a_json_400(member_client, language, detail):
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = member_client.post(
        "/api/v1/progress/beacon/",
        {**fields, "batch": "{}"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "invalid"}


def test_a_site_page_over_the_upload_limit_is_still_the_sites_400_page():
    response = Client().post(
        "/accounts/login/",
        _too_large_json(),
        content_type="application/x-www-form-urlencoded",
        **EN,
    )

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


CSRF_REFUSED = {
    "en": "You signed in or out since this page was opened (perhaps in another "
    "tab), so it could not be sent. Nothing was changed. Go back, reload the page "
    "and try again.",
    "zh-hans": "打开此页面后您登录或退出过（可能在另一个标签页中），因此表单无法提交，"
    "没有做任何更改。请返回、重新加载页面后再试。",
    "zh-hant": "打開此頁面後您登入或退出過（可能在另一個標籤頁中），因此表單無法提交，"
    "沒有做任何更改。請返回、重新加載頁面後再試。",
}


@pytest.mark.parametrize("language", list(CSRF_REFUSED))
@pytest.mark.parametrize("token", [None, "x" * 32])
def test_an_api_write_without_a_valid_csrf_token_is_refused_in_the_users_language(
    language, token
):
    # DRF answered "CSRF Failed: CSRF token missing." in English whatever the language
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("member"))
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    if token:
        client.get("/my-study/")  # the page sets the CSRF cookie; the header is wrong

    response = client.post(
        "/api/v1/members/me/registrations/",
        {"organisation_code": "A"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **headers,
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": CSRF_REFUSED[language],
        "code": "permission_denied",
    }
