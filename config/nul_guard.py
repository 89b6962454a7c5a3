"""Refuse a request whose address holds a NUL character, before any view reads it.

PostgreSQL cannot store or compare text holding NUL (psycopg raises ``DataError``,
a 500), and the filesystem refuses it in a file name (``ValueError``). Forms and
serializers refuse it in fields (Django's and DRF's ``CharField``), but views read
query parameters directly too: searches (``?q=``), filters, Wagtail's admin
listings. No browser or client of ours puts NUL in a URL, so one check here covers
every path and query parameter: 400, as JSON under /api/ and as the site's 400 page
elsewhere. Request bodies are left to the forms and serializers (reading a body
here would parse uploads before the view chooses how).
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.api_errors import is_api_request

NUL = "\x00"


def _holds_nul(request) -> bool:
    if NUL in request.path:
        return True
    return any(
        NUL in key or any(NUL in value for value in values)
        for key, values in request.GET.lists()
    )


class NulCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _holds_nul(request):
            return self.get_response(request)
        if is_api_request(request):
            return JsonResponse(
                {
                    "detail": _("The address holds a NUL character."),
                    "code": "invalid",
                },
                status=400,
            )
        return render(request, "400.html", status=400)
