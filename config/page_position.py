"""Wagtail's "set page position" (the drag-and-drop ordering of a page among its
siblings: ``POST /admin/pages/<id>/set_position/?position=<n>``), answered here
first for what Wagtail's view does not handle, then handed to that view.

Wagtail's ``SetPagePositionView`` asks the page's parent whether the user may reorder
its children, and the root of the tree has no parent: an ``AttributeError``, a 500.
Its ``position`` goes to ``int()`` and then to a query's ``OFFSET``: a number past
64 bits was a 500 on both databases (SQLite "datatype mismatch", PostgreSQL "bigint
out of range"), and text, a negative number or an empty value moved the page to the
end of its siblings without a word (the ``ValueError`` is caught as "no page at that
position"). Those are 400s with a message here. Without ``position`` the page still
goes to the end, and a position past the last sibling puts it last: Wagtail's own
behaviour, which its JavaScript relies on.

Mounted by config/urls.py before Wagtail's admin URLs, at the same path; Wagtail
gives no hook in that view. The path's id is ``<id:...>``, so an id that can name no
row falls through to Wagtail's pattern and its 404, as does a page that is not there.
"""

import functools
import re

from django.http import HttpResponseBadRequest
from django.urls import URLResolver
from django.urls.resolvers import RegexPattern
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.models import Page

# An OFFSET both databases take (a signed 64-bit integer), ASCII digits only.
POSITION = re.compile(r"[0-9]{1,19}")
MAX_POSITION = 2**63 - 1


@functools.cache
def _wagtails_view():
    """Wagtail's own view, as its admin URLs mount it (with their admin-access check,
    their 404 page and ``never_cache``)."""
    resolver = URLResolver(RegexPattern(r"^"), "wagtail.admin.urls")
    return resolver.resolve("pages/1/set_position/").func


def _position_fits(text: str) -> bool:
    return bool(POSITION.fullmatch(text)) and int(text) <= MAX_POSITION


def _refusal(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@never_cache
@require_admin_access
def set_page_position(request, page_to_move_id: int):
    # Wagtail's view answers POST only (anything else is its 405).
    if request.method == "POST":
        page = Page.objects.filter(pk=page_to_move_id).first()
        if page is not None and page.is_root():
            return _refusal(
                _("This page has no parent page, so it has no place to move to.")
            )
        position = request.GET.get("position")
        if page is not None and position is not None and not _position_fits(position):
            return _refusal(
                _("The position must be a whole number: 0 for the first place.")
            )
    return _wagtails_view()(request, page_to_move_id=page_to_move_id)
