"""Wagtail's ``SnippetViewSet``, its breadcrumbs in the user's language.

Wagtail's own translates "Home" (and "Snippets") with an eager ``gettext`` when its
views are made, once per process: every later request showed them in that first
language (首页 on English screens). Every Satchel snippet viewset derives from
this one.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet as WagtailSnippetViewSet

# Wagtail's breadcrumbs, in the order it gives them: home, then (only for a
# snippet outside the menu) the snippets index.
LABELS = (_("Home"), _("Snippets"))


class SnippetViewSet(WagtailSnippetViewSet):
    @property
    def breadcrumbs_items(self):
        items = super().breadcrumbs_items
        # Wagtail's own items beyond these two, should it add any, are kept as they are.
        return [
            {**item, "label": LABELS[index]} if index < len(LABELS) else item
            for index, item in enumerate(items)
        ]
