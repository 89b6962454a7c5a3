"""Reminders: sending, the interval rule, the senders, who sees them."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from courses.reminders.services import reminder_send
from courses.reporting.models import Reminder
from tests.reports.conftest import client_for

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_organiser_reminds_selected_members_and_they_see_it_on_my_study(
    client, studied, county_organiser, django_capture_on_commit_callbacks
):
    # given
    client_for(client, county_organiser)

    # when (delivery runs once the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/remind/",
            {
                "members": [studied.zhang.pk, studied.zhao.pk],
                "message": "请尽快完成第二课",
                "course": studied.course.pk,
                "next": "/reports/members/",
            },
            **EN,
        )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/reports/members/"
    assert Reminder.objects.filter(status="sent").count() == 2
    client_for(client, studied.zhang.user)
    page = client.get("/my-study/", **EN).content.decode()
    assert "请尽快完成第二课" in page


def test_a_member_is_not_reminded_twice_within_the_interval(
    studied, county_organiser, settings
):
    # given
    settings.SATCHEL_REMINDER_INTERVAL_HOURS = 48
    now = timezone.now()
    first = reminder_send(
        sent_by=county_organiser, members=[studied.zhang], message="一", now=now
    )

    # when
    again = reminder_send(
        sent_by=county_organiser,
        members=[studied.zhang, studied.zhao],
        message="二",
        now=now + dt.timedelta(hours=47),
    )
    later = reminder_send(
        sent_by=county_organiser,
        members=[studied.zhang],
        message="三",
        now=now + dt.timedelta(hours=49),
    )

    # then
    assert len(first.sent) == 1
    assert [m.pk for m in again.skipped] == [studied.zhang.pk]
    assert [r.member_id for r in again.sent] == [studied.zhao.pk]
    assert len(later.sent) == 1
    assert Reminder.objects.filter(member=studied.zhang).count() == 2


def test_the_organiser_is_told_who_was_skipped_and_the_log_says_who_sent_what(
    client, studied, county_organiser, settings
):
    # given zhang, reminded an hour ago
    settings.SATCHEL_REMINDER_INTERVAL_HOURS = 72
    reminder_send(sent_by=county_organiser, members=[studied.zhang], message="一")
    client_for(client, county_organiser)

    # when the organiser reminds zhang and zhao for the course
    response = client.post(
        "/reports/remind/",
        {
            "members": [studied.zhang.pk, studied.zhao.pk],
            "message": "二",
            "course": studied.course.pk,
            "next": "/reports/reminders/",
        },
        follow=True,
        **EN,
    )

    # then the page names who was skipped and why, and the log shows the course
    # and who sent each reminder
    page = response.content.decode()
    assert "Not reminded again: zhang." in page
    assert "at most one reminder every 72 hours" in page
    assert "党史学习" in page
    assert "sent by county_a1_organiser" in page
    assert "console" not in page


def test_organiser_cannot_remind_a_member_outside_their_area(
    client, studied, county_organiser
):
    client_for(client, county_organiser)

    response = client.post(
        "/reports/remind/",
        {"members": [studied.sun.pk], "message": "你好"},
        **EN,
    )

    assert response.status_code == 302
    assert not Reminder.objects.exists()


def test_helper_sees_reminders_of_their_paired_member_only(
    client, studied, county_organiser, helper
):
    reminder_send(
        sent_by=county_organiser,
        members=[studied.zhang, studied.zhao],
        message="学习提醒",
    )
    client_for(client, helper)

    page = client.get("/reports/reminders/", **EN).content.decode()

    assert "zhang" in page
    assert "zhao" not in page


def test_helper_cannot_send_reminders(client, studied, helper):
    client_for(client, helper)

    response = client.post(
        "/reports/remind/", {"members": [studied.zhang.pk], "message": "x"}, **EN
    )

    # a refusal that says why (it was a bare 404)
    assert response.status_code == 403
    assert "Only organisers can send reminders." in response.content.decode()
    assert not Reminder.objects.exists()


def test_file_sender_writes_one_json_line_per_reminder(
    studied, county_organiser, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SATCHEL_REMINDER_SENDER = "courses.reminders.senders.FileSender"
    settings.SATCHEL_REMINDER_FILE = tmp_path / "reminders.jsonl"

    with django_capture_on_commit_callbacks(execute=True):
        reminder_send(sent_by=county_organiser, members=[studied.li], message="加油")

    line = json.loads(settings.SATCHEL_REMINDER_FILE.read_text().splitlines()[0])
    assert line["message"] == "加油"
    assert line["phone"] == studied.li.phone
    assert Reminder.objects.get().channel == "file"


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    answer = 200

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            (self.headers["Authorization"], json.loads(self.rfile.read(length)))
        )
        self.send_response(type(self).answer)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    _Gateway.received = []
    _Gateway.answer = 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SATCHEL_REMINDER_SENDER = "courses.reminders.senders.SmsSender"
    settings.SATCHEL_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SATCHEL_SMS_GATEWAY_TOKEN = "secret-token"
    yield _Gateway
    server.shutdown()
    server.server_close()


def test_sms_sender_posts_to_the_gateway(
    studied, county_organiser, gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reminder_send(
            sent_by=county_organiser, members=[studied.li], message="短信提醒"
        )

    auth, body = gateway.received[0]
    assert auth == "Bearer secret-token"
    assert body["to"] == studied.li.phone and body["message"] == "短信提醒"
    reminder = Reminder.objects.get()
    assert (reminder.channel, reminder.status) == ("sms", "sent")


def test_sms_gateway_failure_is_logged_on_the_reminder(
    studied, county_organiser, gateway, django_capture_on_commit_callbacks
):
    gateway.answer = 503

    with django_capture_on_commit_callbacks(execute=True):
        reminder_send(sent_by=county_organiser, members=[studied.li], message="x")

    reminder = Reminder.objects.get()
    assert reminder.status == "failed"
    assert "503" in reminder.error


def test_a_long_list_of_skipped_members_ends_in_how_many_more_in_each_language(
    client, studied, county_organiser, province, settings
):
    # given twelve members of one branch, all reminded an hour ago
    from tests.reports.conftest import member

    settings.SATCHEL_REMINDER_INTERVAL_HOURS = 72
    many = [member(f"m{index:02d}", province.branch_a1) for index in range(12)]
    reminder_send(sent_by=county_organiser, members=many, message="一")
    client_for(client, county_organiser)

    def remind_again(language):
        return client.post(
            "/reports/remind/",
            {"members": [m.pk for m in many], "message": "二", "next": "/reports/"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()

    # when the organiser reminds them again, then ten are named and the rest counted
    assert "m00, m01, m02, m03, m04, m05, m06, m07, m08, m09 and 2 more." in (
        remind_again("en")
    )
    assert "m00、m01、m02、m03、m04、m05、m06、m07、m08、m09及另外 2 人。" in (
        remind_again("zh-hans")
    )
    assert "m09及另外 2 人。" in remind_again("zh-hant")


def test_a_refused_reminder_keeps_the_message_the_organiser_typed(
    client, studied, county_organiser
):
    # given a county organiser who typed a message but ticked nobody
    client_for(client, county_organiser)
    back = f"/reports/members/?course={studied.course.pk}"

    # when they send it
    response = client.post(
        "/reports/remind/",
        {"message": "请在周五前学完第二课，有困难找支部", "next": back},
        follow=True,
        **EN,
    )

    # then the list says why, and its message box still holds what they typed
    page = response.content.decode()
    assert response.redirect_chain == [(back, 302)]
    assert "Select at least one member." in page
    assert "请在周五前学完第二课，有困难找支部</textarea>" in page
    assert not Reminder.objects.exists()
    # and only once: the next visit offers the usual message again
    again = client.get(back, **EN).content.decode()
    assert "请在周五前学完第二课" not in again
