"""Wagtail's ``SnippetViewSet``, its breadcrumbs and chooser in the user's language.

Wagtail's own translates "Home" (and "Snippets") with an eager ``gettext`` when its
views are made, and its chooser's "Choose", "Choose another" and "Edit" when its
module is imported: once per process, so every later request showed them in that
first language (首页 and 选择 on English screens). Every Satchel snippet viewset
derives from this one.
"""

from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext_lazy as _
from wagtail.snippets import blocks
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet as WagtailSnippetViewSet
from wagtail.snippets.widgets import AdminSnippetChooser

# Wagtail's breadcrumbs, in the order it gives them: home, then (only for a
# snippet outside the menu) the snippets index.
LABELS = (_("Home"), _("Snippets"))


def _per_request(message, **values):
    """``message % values``, formatted when shown rather than when made."""
    return lazy(lambda: str(message) % {k: str(v) for k, v in values.items()}, str)()


class LazySnippetChooser(AdminSnippetChooser):
    """Wagtail's widget formats "Choose %(object)s" (and the others) when it is
    made: a block's widget is made at import, so its buttons kept that
    language. These are formatted when rendered (Wagtail's wording and catalogue)."""

    def __init__(self, model=None, **kwargs):
        super().__init__(model=model, **kwargs)
        name = self.model._meta.verbose_name
        self.choose_one_text = _per_request(_("Choose %(object)s"), object=name)
        self.choose_another_text = _per_request(
            _("Choose another %(object)s"), object=name
        )
        self.link_to_chosen_text = _per_request(_("Edit this %(object)s"), object=name)


class SnippetChooserBlock(blocks.SnippetChooserBlock):
    """Wagtail's block, with the widget above: Wagtail's own makes its widget
    once, in the language of the first page form that shows it."""

    @cached_property
    def widget(self):
        wagtails = super().widget  # also picks up the viewset's icon
        return LazySnippetChooser(self.target_model, icon=wagtails.icon)

    def deconstruct(self):
        # Only the admin widget differs: migrations keep Wagtail's block.
        _path, args, kwargs = super().deconstruct()
        return "wagtail.snippets.blocks.SnippetChooserBlock", args, kwargs


class LazySnippetChooserViewSet(SnippetChooserViewSet):
    """The chooser modal's title and the chooser widget's buttons, translated per
    request (Wagtail's wording, so Wagtail's catalogue answers them)."""

    base_widget_class = LazySnippetChooser
    choose_one_text = _("Choose")
    choose_another_text = _("Choose another")
    edit_item_text = _("Edit")


class SnippetViewSet(WagtailSnippetViewSet):
    chooser_viewset_class = LazySnippetChooserViewSet

    @property
    def breadcrumbs_items(self):
        items = super().breadcrumbs_items
        # Wagtail's own items beyond these two, should it add any, are kept as they are.
        return [
            {**item, "label": LABELS[index]} if index < len(LABELS) else item
            for index, item in enumerate(items)
        ]
