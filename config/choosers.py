"""Chooser widgets whose button texts follow the request's language.

Wagtail builds an admin form class once, on the first request that needs it, and
its snippet and page choosers format their button texts ("Choose %(object)s",
"Choose a page" with the page type) eagerly in ``__init__``: every later request
showed them in the first request's language (Simplified Chinese on English
screens). These keep Wagtail's own msgids, formatted when the button is drawn.

Both return a widget class, for ``FieldPanel(..., widget=...)``: Django makes the
instance when the form class is built, once the app registry can resolve the model.
"""

from django.utils.functional import lazy
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminPageChooser
from wagtail.snippets.widgets import AdminSnippetChooser


def _percent(text, values: dict) -> str:
    return str(text) % {name: str(value) for name, value in values.items()}


percent_lazy = lazy(_percent, str)


class _SnippetChooser(AdminSnippetChooser):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        name = {"object": self.model._meta.verbose_name}
        self.choose_one_text = percent_lazy(_("Choose %(object)s"), name)
        self.choose_another_text = percent_lazy(_("Choose another %(object)s"), name)
        self.link_to_chosen_text = percent_lazy(_("Edit this %(object)s"), name)


class _PageChooser(AdminPageChooser):
    target_model = ""

    def __init__(self, **kwargs):
        super().__init__(target_models=[self.target_model], **kwargs)
        self.choose_one_text = format_lazy(
            "{} ({})", _("Choose a page"), capfirst(self.model._meta.verbose_name)
        )


def snippet_chooser(model) -> type[AdminSnippetChooser]:
    """Wagtail's chooser of snippets of ``model``, its texts in the user's language."""
    return type("SnippetChooser", (_SnippetChooser,), {"model": model})


def page_chooser(target_model: str) -> type[AdminPageChooser]:
    """Wagtail's chooser of one page type (``"app.Model"``), in the user's language."""
    return type("PageChooser", (_PageChooser,), {"target_model": target_model})
