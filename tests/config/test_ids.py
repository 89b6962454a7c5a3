"""Ids from outside that name no row get a 4xx, never a 500 (config/ids.py).

A number over 64 bits reached SQLite from several views and APIs and crashed them
(OverflowError) where Django does not guard the lookup (related fields, ``__in``).
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import make_user

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # 20 digits: over 2**63 - 1
STAND_INS = {
    "id": HUGE,
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": str(uuid.uuid4()),
}


def routes(resolver=None, prefix=""):
    """Every route of the project's URL conf as written (``<id:pk>`` and all)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def with_huge_ids(route: str) -> str:
    return "/" + re.sub(
        r"<(\w+):\w+>", lambda match: STAND_INS[match[1]], route
    ).lstrip("^").rstrip("$")


ID_ROUTES = sorted({route for route in routes() if "<id:" in route})


def test_the_id_routes_are_found():
    # the walk sees the apps' own patterns and those they add to Wagtail's admin
    assert "me/pairs/<id:member_id>/" in ID_ROUTES
    assert any(route.startswith("admin/") for route in ID_ROUTES)


@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_too_long_for_any_row_is_not_found(client, route):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))

    for method in (client.get, client.post):
        response = method(with_huge_ids(route))

        assert response.status_code in (404, 405), (route, response.status_code)
