"""Wagtail's ``InlinePanel``, without the 500 a crafted form post could cause.

When the parent form is shown again with errors and the child formset itself is
valid, Wagtail 8.0 sorts the children by ``form.cleaned_data["ORDER"]``. A child
posted with no fields at all (``TOTAL_FORMS`` larger than the rows sent) is an
unchanged extra form: Django leaves its ``cleaned_data`` empty, and the sort
raised ``KeyError`` (a 500). The admin's own script always posts ``ORDER``, so
only a hand-made or truncated post got there; it now gets the form again with
its errors. Every ``InlinePanel`` in Satchel is this one.
"""

from django.forms.formsets import ORDERING_FIELD_NAME
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import InlinePanel as WagtailInlinePanel


class ChildFormSet(BaseChildFormSet):
    def full_clean(self):
        super().full_clean()
        if not self.can_order:
            return
        for form in self.forms:
            if hasattr(form, "cleaned_data"):
                # An empty extra form is skipped when saving (Django's
                # ``ordered_forms``); this only lets Wagtail's sort read it.
                form.cleaned_data.setdefault(ORDERING_FIELD_NAME, None)


class InlinePanel(WagtailInlinePanel):
    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = ChildFormSet
        return options
