"""How the admin says a delete was refused because members' records hang on it.

Wagtail deletes everything selected or nothing, so when some of a bulk selection
is refused, nothing is deleted: each refused object says why, and the editor is
told to select only the others (``courses.deletion`` for pages members studied,
``quizzes.deletion`` for questions and quizzes members answered).

``ProtectedDeletionMiddleware`` is the last line: a delete that reaches the
database by a path those hooks do not guard is refused there (``PROTECT``), and the
refusal is answered with a message instead of a 500.
"""

import logging
from collections import Counter

from django.contrib import messages
from django.db.models import ProtectedError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from config.api_errors import is_api_request

logger = logging.getLogger(__name__)

ADMIN_API_PREFIX = "/admin/api/"


def say_why_nothing_was_deleted(
    request, reasons: list[str], *, selected: int, refused: int | None = None
) -> None:
    """``refused``: how many of the ``selected`` objects the reasons are about
    (one reason each unless said)."""
    for reason in reasons:
        messages.error(request, reason)
    if selected > (len(reasons) if refused is None else refused):
        messages.warning(
            request,
            gettext("Nothing was deleted. Select only the others to delete them."),
        )


class ProtectedDeletionMiddleware:
    """The database's own refusal, for every admin path that deletes without asking us.

    Members' records point at what they are about with ``PROTECT`` foreign keys
    (progress and in-person study at their lesson, attempts at their quiz, answers at
    their question, in-person records and reminders at the user who made them), so a
    delete that would take them along raises ``ProtectedError`` and deletes nothing.
    The screens an editor normally uses refuse earlier and more helpfully (the hooks
    above). Other ways in do not ask: Wagtail's admin API page action
    ``/admin/api/main/pages/<id>/action/delete/``, or the users screen deleting an
    organiser who recorded study. There the refusal was a 500; this answers it with
    what depends on the object: a JSON 400 ``{"message"}`` (the admin API's error
    shape) under /admin/api/, the API's ``{"detail", "code": "protected"}`` under
    /api/, and otherwise an error message on the page the editor came from.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ProtectedError):
            return None
        message = protected_message(exception)
        logger.info("Refused a delete at %s: %s", request.path, message)
        if request.path.startswith(ADMIN_API_PREFIX):
            return JsonResponse(
                {"message": message},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        if is_api_request(request):
            return JsonResponse(
                {"detail": message, "code": "protected"},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        messages.error(request, message)
        return redirect(back_url(request))


def protected_message(exception: ProtectedError) -> str:
    """Nothing was deleted, and what depends on it: one count per kind of record,
    in the models' order ("lesson progress: 3, in-person study records: 1")."""
    counts = Counter(type(obj) for obj in exception.protected_objects)
    records = gettext(", ").join(
        gettext("%(records)s: %(count)s")
        % {"records": model._meta.verbose_name_plural, "count": counts[model]}
        for model in sorted(counts, key=lambda model: model._meta.label)
    )
    return gettext(
        "Nothing was deleted: records that must be kept depend on it (%(records)s)."
    ) % {"records": records}


def back_url(request) -> str:
    """The page the editor came from when it is one of ours, else the dashboard."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("wagtailadmin_home")
