"""The API's session authentication, with its CSRF refusal in the client's language.

DRF's ``SessionAuthentication`` refuses a write without a valid CSRF token with
"CSRF Failed: <Django's reason>", untranslated, on every POST and PUT of the API
(the progress player, quiz answers, registrations). The refusal stays a 403 with
code ``permission_denied`` (``config.api_errors``); its detail is the site's own
wording for the same refusal of a form (``403_csrf.html``): the page is older than
the member's sign-in, and reloading it gives a fresh token.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme as _SessionScheme
from rest_framework import authentication, exceptions

CSRF_REFUSED = _(
    "You signed in or out since this page was opened (perhaps in another tab), so "
    "it could not be sent. Nothing was changed. Go back, reload the page and try "
    "again."
)


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as refused:
            raise exceptions.PermissionDenied(CSRF_REFUSED) from refused


class SessionScheme(_SessionScheme):
    """The OpenAPI schema names this class's scheme as it named DRF's."""

    target_class = "config.api_auth.SessionAuthentication"
