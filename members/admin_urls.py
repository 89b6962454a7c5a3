"""Admin addresses the members app answers in place of Wagtail's own: mounted by
``config/urls.py`` before the admin's URLs, at the same paths, with Wagtail's
admin-access check."""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access

from members.site_history import ScopedLogEntriesView


def _admin(view):
    return never_cache(require_admin_access(view))


urlpatterns = [
    path("reports/site-history/", _admin(ScopedLogEntriesView.as_view())),
    path(
        "reports/site-history/results/",
        _admin(ScopedLogEntriesView.as_view(results_only=True)),
    ),
]
