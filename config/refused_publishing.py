"""How the admin says a publish was refused by the page itself.

Wagtail validates a page as it goes live (``Page.save`` runs ``full_clean`` on a
live page), but most of the ways a page goes live do not expect the page to say
no there: a workflow's final approval (from the edit screen, the dashboard's
approve button or its modal) would answer with a 500. A page model raises
``PublishRefused`` when this save would make it live and must not (the lesson
rule: ``courses.publishing``), inside the transaction Wagtail's approval opens,
so the approval and the publish are both undone; ``PublishRefusedMiddleware``
then answers with the reason on the page the editor came from.

Wagtail's admin API publish action turns a ``ValidationError`` into its own 400
with the field-keyed messages, so it never reaches the middleware.
"""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from wagtail.admin.modal_workflow import render_modal_workflow
from wagtail.admin.utils import get_valid_next_url_from_request

from config.refused_deletions import back_url

logger = logging.getLogger(__name__)


class PublishRefused(ValidationError):
    """This save would make the page live, and the page says it must not be."""


class PublishRefusedMiddleware:
    """``PublishRefused`` from any admin view: an error message on the page the
    editor came from (the ``next`` the workflow forms send, else the referer).
    Wagtail's workflow modal posts by XMLHttpRequest and follows the ``redirect``
    of a ``"success"`` step, so it is answered that way and lands on that page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PublishRefused):
            return None
        logger.info("Refused a publish at %s: %s", request.path, exception.messages)
        for message in exception.messages:
            messages.error(request, message)
        back = get_valid_next_url_from_request(request) or back_url(request)
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            return render_modal_workflow(
                request, "", None, {}, json_data={"step": "success", "redirect": back}
            )
        return redirect(back)
