"""Pluggable reminder senders. ``SATCHEL_REMINDER_SENDER`` names the class.

A sender has ``channel`` (stored on each Reminder) and ``send(reminder)``, which
raises ``DeliveryError`` with a short reason when the message was not accepted.
Only ``SmsSender`` talks to the outside world (an HTTP gateway).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


class ConsoleSender:
    """The default: one log line per reminder (members also see it on their page)."""

    channel = "console"

    def send(self, reminder) -> None:
        logger.info(
            "reminder %s to member %s: %s",
            reminder.pk,
            reminder.member_id,
            reminder.message,
        )


class FileSender:
    """Appends one JSON line per reminder to ``SATCHEL_REMINDER_FILE``."""

    channel = "file"

    def send(self, reminder) -> None:
        line = {
            "id": reminder.pk,
            "member": reminder.member_id,
            "phone": reminder.member.phone,
            "message": reminder.message,
            "at": reminder.created_at.isoformat(),
        }
        path = settings.SATCHEL_REMINDER_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


class EmailSender:
    """Email through Django's configured mail backend, to the member's user email."""

    channel = "email"

    def send(self, reminder) -> None:
        address = reminder.member.user.email
        if not address:
            raise DeliveryError("member has no email address")
        send_mail(
            subject=settings.SATCHEL_REMINDER_EMAIL_SUBJECT,
            message=reminder.message,
            from_email=None,
            recipient_list=[address],
        )


class SmsSender:
    """POSTs ``{"to", "message", "reference"}`` as JSON to the gateway URL with a
    bearer token; any 2xx answer is success."""

    channel = "sms"

    def send(self, reminder) -> None:
        url = settings.SATCHEL_SMS_GATEWAY_URL
        if not url:
            raise DeliveryError("SATCHEL_SMS_GATEWAY_URL is not set")
        body = json.dumps(
            {
                "to": reminder.member.phone,
                "message": reminder.message,
                "reference": str(reminder.pk),
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is operator config
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SATCHEL_SMS_GATEWAY_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=settings.SATCHEL_SMS_GATEWAY_TIMEOUT
            ) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"gateway answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise DeliveryError(f"gateway unreachable: {error}") from error


def get_sender():
    return import_string(settings.SATCHEL_REMINDER_SENDER)()
