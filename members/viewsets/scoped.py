"""What keeps every members admin screen scoped to the organiser's subtree."""

from django.urls import reverse
from wagtail.admin.viewsets.model import ModelViewSet

# Views a viewset must not expose: their objects are looked up unscoped.
_UNSCOPED_URLS = {"history", "history_results", "usage", "copy", "delete", "reorder"}


def _scoped_urlpatterns(urlpatterns, *, drop=()):
    drop = _UNSCOPED_URLS | set(drop)
    return [p for p in urlpatterns if p.name not in drop]


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet without the views whose objects Wagtail looks up unscoped
    (history, usage, copy, delete, reorder), and without links to them."""

    copy_view_enabled = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(
            history_url_name=None, usage_url_name=None, delete_url_name=None
        )
        if "edit" in self.drop_urls:
            view_kwargs["edit_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        return _scoped_urlpatterns(super().get_urlpatterns(), drop=self.drop_urls)

    drop_urls: set = set()


class OwnAddViewMixin:
    """For an index view whose viewset replaces Wagtail's add view with our own
    (members.admin_views): always link to it."""

    def get_add_url(self):
        # Our own add view checks the organiser's scope; model permission is moot.
        return reverse(self.add_url_name)


class NoGenericExportMixin:
    """For an index view: ignore Wagtail's generic ``?export=csv|xlsx``.

    Without ``list_export`` it answers a file of blank lines; the members screens
    export through their own scoped, importable roster and ledger files
    (members.roster_views), so the generic export is off and the parameter just
    shows the list."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False
