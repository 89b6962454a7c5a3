"""The API's error body where DRF, not one of our views, writes it.

Our views answer ``{"detail", "code"[, ...]}`` (``members.api.errors``,
``quizzes.api``). ``exception_handler`` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``)
gives DRF's own refusals the same shape: not signed in, permission denied, broken
JSON, an unsupported content type, a method not allowed, each with the code DRF
already knows (``not_authenticated``, ``parse_error``, ...). A view that refuses a
user itself answers 403 with ``PERMISSION_DENIED``, the code DRF gives its own
refusals, so a client tests one code for "not allowed". Validation errors keep
their field-keyed bodies: the progress API documents them (docs/progress.md).

``not_found`` answers every /api/v1/ path that names nothing, an id too large for
any row included, with JSON instead of the site's HTML 404 page (and without the
site's CSRF check, which would answer a POST with an HTML 403 first).

``bad_request`` (``handler400``) does the same for the requests Django itself
refuses before a view can answer: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(DRF reads ``request.body``), too many form fields or files. Under /api/ they were
the site's HTML 400 page, which no API client reads.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import ErrorDetail, PermissionDenied
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

PERMISSION_DENIED = PermissionDenied.default_code


def is_api_request(request) -> bool:
    """Whether a refusal made outside DRF (a middleware, a handler) answers in the
    API's JSON rather than with the site's HTML page."""
    return request.path.startswith("/api/")


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        if list(response.data) == ["detail"]:
            detail = response.data["detail"]
            response.data["code"] = getattr(detail, "code", None) or "error"
        translate_no_data(response.data)
    return response


def translate_no_data(body: dict) -> dict:
    """DRF's serializers refuse a JSON ``null`` body with an untranslated "No data
    provided" (code ``null``) under ``non_field_errors``. Views that write their
    own error body from ``serializer.errors`` (quizzes, members) call this too.
    Changes ``body`` in place and returns it."""
    errors = body.get(api_settings.NON_FIELD_ERRORS_KEY)
    if isinstance(errors, list):
        body[api_settings.NON_FIELD_ERRORS_KEY] = [
            ErrorDetail(_("No data provided: send a JSON object."), code="null")
            if getattr(error, "code", None) == "null"
            else error
            for error in errors
        ]
    return body


@csrf_exempt
def not_found(request, path=""):
    return JsonResponse(
        {"detail": _("Nothing here: check the address."), "code": "not_found"},
        status=404,
        json_dumps_params={"ensure_ascii": False},  # as DRF writes its JSON
    )


def bad_request(request, exception):
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        body = {"detail": _("The request body is too large."), "code": "too_large"}
    else:
        body = {"detail": _("The request is not valid."), "code": "invalid"}
    return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
